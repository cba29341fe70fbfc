"""Confusion-matrix metrics (Keras 3): Precision, Recall and AUC.

A prediction counts as positive when `y_pred > threshold`; a label is positive when it is
non-zero. Counts are weighted by `sample_weight` and accumulate over `update_state` calls.
"""
import numpy as np

from kernn.metrics.metric import Metric, _to_array, align_ranks

_EPSILON = 1e-7
_NEG_INF = -1e10


def _divide_no_nan(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def _filter_top_k(x, k):
    """Keep the k largest entries of the last axis, set the rest to -1e10."""
    if k >= x.shape[-1]:
        return x
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(x.shape, bool)
    np.put_along_axis(keep, idx, True, axis=-1)
    return np.where(keep, x, _NEG_INF)


def _prepare(y_true, y_pred, sample_weight, top_k=None, class_id=None):
    y_true, y_pred = _to_array(y_true), _to_array(y_pred, np.float32)
    y_true, y_pred = align_ranks(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        try:
            y_true = np.broadcast_to(y_true, y_pred.shape)
        except ValueError:
            raise ValueError(f"Shapes of `y_true` and `y_pred` do not match. Received: y_true.shape="
                             f"{y_true.shape}, y_pred.shape={y_pred.shape}") from None
    w = np.ones(y_pred.shape, np.float64)
    if sample_weight is not None:
        sw = _to_array(sample_weight)
        if sw.ndim == y_pred.ndim + 1 and sw.shape[-1] == 1:
            sw = sw.reshape(sw.shape[:-1])
        while 0 < sw.ndim < y_pred.ndim:
            sw = sw[..., None]
        w = np.broadcast_to(sw, y_pred.shape).astype(np.float64)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        y_true, y_pred, w = y_true[..., class_id], y_pred[..., class_id], w[..., class_id]
    return y_true != 0, y_pred, w


def _confusion(labels, preds, weights, thresholds):
    """(tp, fp, tn, fn) arrays over `thresholds` (1-D), predictions positive when > threshold."""
    preds, labels, weights = preds.ravel(), labels.ravel(), weights.ravel()
    order = np.argsort(preds, kind="stable")
    sp = preds[order]
    pos_w = np.concatenate([[0.0], np.cumsum(np.where(labels[order], weights[order], 0.0))])
    neg_w = np.concatenate([[0.0], np.cumsum(np.where(labels[order], 0.0, weights[order]))])
    cut = np.searchsorted(sp, np.asarray(thresholds, np.float32), side="right")  # preds <= thr before cut
    tp = pos_w[-1] - pos_w[cut]
    fp = neg_w[-1] - neg_w[cut]
    fn = pos_w[cut]
    tn = neg_w[cut]
    return tp, fp, tn, fn


def _confusion_even(labels, preds, weights, num_thresholds):
    """As `_confusion` for Keras's evenly spaced AUC thresholds [-eps, 1/(T-1), ..., 1+eps],
    by bucketing as Keras does: bucket = max(ceil(p * (T - 1)) - 1, 0), and a prediction
    counts above threshold i when its bucket is >= i."""
    preds, labels, weights = preds.ravel(), labels.ravel(), weights.ravel()
    t = num_thresholds
    buckets = np.ceil(preds * np.float32(t - 1)) - 1
    buckets = np.clip(np.nan_to_num(buckets, nan=0.0), 0, t - 1).astype(np.int64)
    pos = np.bincount(buckets, weights=np.where(labels, weights, 0.0), minlength=t)
    neg = np.bincount(buckets, weights=np.where(labels, 0.0, weights), minlength=t)
    tp = np.cumsum(pos[::-1])[::-1]
    fp = np.cumsum(neg[::-1])[::-1]
    return tp, fp, neg.sum() - fp, pos.sum() - tp


class _ThresholdMetric(Metric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else _NEG_INF
        if thresholds is None:
            thresholds = [default]
        elif np.ndim(thresholds) == 0:
            thresholds = [float(thresholds)]
        self.thresholds = [float(t) for t in thresholds]
        for t in self.thresholds:
            if t != _NEG_INF and not 0 <= t <= 1:
                raise ValueError(f"Threshold values must be in [0, 1]. Received: thresholds={thresholds}")
        self._single = np.ndim(self.init_thresholds) == 0
        n = len(self.thresholds)
        self.add_variable("true_positives", np.zeros(n))
        self.add_variable("false_positives", np.zeros(n))
        self.add_variable("false_negatives", np.zeros(n))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, preds, w = _prepare(y_true, y_pred, sample_weight, self.top_k, self.class_id)
        tp, fp, _, fn = _confusion(labels, preds, w, self.thresholds)
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.false_negatives = self.false_negatives + fn

    def _out(self, values):
        return float(values[0]) if self._single else [float(v) for v in values]

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_ThresholdMetric):
    """`tp / (tp + fp)`.

    Args:
        thresholds: a float or list of floats in [0, 1] (a list gives a list of results).
            Defaults to `None` (0.5, or no threshold with `top_k`).
        top_k: only the k highest predictions of each sample count as positive.
            Defaults to `None`.
        class_id: compute the metric for this class only. Defaults to `None`.
        name: Defaults to `"precision"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name or "precision", dtype)

    def result(self):
        return self._out(_divide_no_nan(self.true_positives, self.true_positives + self.false_positives))


class Recall(_ThresholdMetric):
    """`tp / (tp + fn)`. Arguments as Precision; name defaults to `"recall"`."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name or "recall", dtype)

    def result(self):
        return self._out(_divide_no_nan(self.true_positives, self.true_positives + self.false_negatives))


class AUC(Metric):
    """Area under the ROC or precision-recall curve, from a confusion matrix over
    `num_thresholds` thresholds (Keras 3's Riemann sums).

    Args:
        num_thresholds: Defaults to `200`.
        curve: "ROC" or "PR". Defaults to `"ROC"`.
        summation_method: "interpolation" (trapezoids; for PR the Davis & Goadrich
            interpolation), "minoring" or "majoring". Defaults to `"interpolation"`.
        name: Defaults to `"auc"`.
        dtype: Defaults to `None`.
        thresholds: explicit thresholds in [0, 1] (overrides num_thresholds). Defaults to `None`.
        multi_label: one curve per label, averaged. Defaults to `False`.
        num_labels: number of labels with multi_label (else taken from the first batch).
        label_weights: per-label weights. Defaults to `None`.
        from_logits: apply a sigmoid to predictions first. Defaults to `False`.

    Example:

    >>> m = AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> m.result()
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name or "auc", dtype=dtype)
        curve_u = str(curve).upper()
        if curve_u not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUC curve value: "{curve}". Expected values are ["ROC", "PR"]')
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". Expected values are '
                             '["interpolation", "majoring", "minoring"]')
        self.curve, self.summation_method = curve_u, method
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(float(t) for t in thresholds)
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self._thresholds = np.array([0.0 - _EPSILON] + thresholds + [1.0 + _EPSILON])
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, np.float64)
        self.from_logits = bool(from_logits)
        self._built = False
        if not self.multi_label or num_labels is not None:
            self._build(num_labels if self.multi_label else None)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (self.num_thresholds, num_labels)
        for name in ("true_positives", "false_positives", "true_negatives", "false_negatives"):
            self.add_variable(name, np.zeros(shape))
        self.num_labels = num_labels if self.multi_label else self.num_labels
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _to_array(y_pred, np.float32)
        if self.from_logits:
            y_pred = (1.0 / (1.0 + np.exp(-y_pred.astype(np.float64)))).astype(np.float32)
        if not self._built:
            self._build(y_pred.shape[-1])
        labels, preds, w = _prepare(y_true, y_pred, sample_weight)
        if self.label_weights is not None and not self.multi_label:
            w = w * self.label_weights
        thr = self._thresholds.astype(np.float32)
        if self._init_from_thresholds:
            count = lambda lab, pr, ww: _confusion(lab, pr, ww, thr)  # noqa: E731
        else:
            count = lambda lab, pr, ww: _confusion_even(lab, pr, ww, self.num_thresholds)  # noqa: E731
        if self.multi_label:
            n = preds.shape[-1]
            cols = [count(labels[..., j], preds[..., j], w[..., j]) for j in range(n)]
            tp, fp, tn, fn = (np.stack([c[i] for c in cols], axis=1) for i in range(4))
        else:
            tp, fp, tn, fn = count(labels, preds, w)
        self.true_positives = self.true_positives + tp
        self.false_positives = self.false_positives + fp
        self.true_negatives = self.true_negatives + tn
        self.false_negatives = self.false_negatives + fn

    def _aggregate(self, by_label):
        if not self.multi_label:
            return float(np.sum(by_label))
        per_label = np.sum(by_label, axis=0)
        if self.label_weights is None:
            return float(np.mean(per_label))
        return float(_divide_no_nan(np.sum(per_label * self.label_weights), np.sum(self.label_weights)))

    def _interpolate_pr_auc(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - prec_slope * p[1:]
        with np.errstate(divide="ignore", invalid="ignore"):
            safe_p_ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
            inc = _divide_no_nan(prec_slope * (dtp + intercept * np.log(safe_p_ratio)),
                                 np.maximum(tp[1:] + fn[1:], 0))
        return self._aggregate(inc)

    def result(self):
        if not self._built:
            return 0.0
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._aggregate((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


class _Count(Metric):
    """Weighted count of one confusion-matrix cell over the thresholds."""

    _cell = 0  # index into (tp, fp, tn, fn)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        t = [0.5] if thresholds is None else ([float(thresholds)] if np.ndim(thresholds) == 0 else list(thresholds))
        self.thresholds = [float(x) for x in t]
        self.add_variable("accumulator", np.zeros(len(self.thresholds)))

    def update_state(self, y_true, y_pred, sample_weight=None):
        labels, preds, w = _prepare(y_true, y_pred, sample_weight)
        self.accumulator = self.accumulator + _confusion(labels, preds, w, self.thresholds)[self._cell]

    def result(self):
        if np.ndim(self.init_thresholds) == 0:
            return float(self.accumulator[0])
        return [float(v) for v in self.accumulator]

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "thresholds": self.init_thresholds}


class TruePositives(_Count):
    """Weighted number of true positives (`y_pred > threshold`, default 0.5)."""
    _cell = 0


class FalsePositives(_Count):
    """Weighted number of false positives."""
    _cell = 1


class TrueNegatives(_Count):
    """Weighted number of true negatives."""
    _cell = 2


class FalseNegatives(_Count):
    """Weighted number of false negatives."""
    _cell = 3
