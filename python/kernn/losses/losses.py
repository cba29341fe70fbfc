"""Keras 3's loss classes. Regression and hinge losses compute their cheap element-wise
values and gradients with vectorised NumPy; the cross-entropies call kernn's fused C++
kernels (kernn.ops.*_crossentropy), which return per-sample losses and gradients."""
import numpy as np

from kernn import ops
from kernn.losses.loss import _EPSILON, Loss, _as_float


class _ElementwiseMean(Loss):
    """Losses that average an element-wise term over the last axis."""

    def _elements(self, t, p, need_grad):
        raise NotImplementedError

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        t = y_true.astype(np.float64)
        p = y_pred.astype(np.float64)
        e, de = self._elements(t, p, need_grad)
        n = p.shape[-1]
        losses = e.mean(axis=-1)
        jac = None if de is None else (de / n).astype(np.float32)
        return losses, jac


class MeanSquaredError(_ElementwiseMean):
    """`mean(square(y_true - y_pred), axis=-1)`.

    Args:
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"mean_squared_error"`.
        dtype: Defaults to `None`.

    Example:

    >>> loss = MeanSquaredError()
    >>> round(loss([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]]), 4)
    0.5
    >>> value, grad = loss.value_and_grad([[0.0, 1.0]], [[1.0, 1.0]])
    >>> grad.tolist()
    [[1.0, 0.0]]
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        d = p - t
        return d * d, (2.0 * d if need_grad else None)


class MeanAbsoluteError(_ElementwiseMean):
    """`mean(abs(y_true - y_pred), axis=-1)`. Name defaults to `"mean_absolute_error"`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        d = p - t
        return np.abs(d), (np.sign(d) if need_grad else None)


class MeanAbsolutePercentageError(_ElementwiseMean):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), eps)), axis=-1)`.
    Name defaults to `"mean_absolute_percentage_error"`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        denom = np.maximum(np.abs(t), _EPSILON)
        d = p - t
        return 100.0 * np.abs(d) / denom, (100.0 * np.sign(d) / denom if need_grad else None)


class MeanSquaredLogarithmicError(_ElementwiseMean):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`.
    Name defaults to `"mean_squared_logarithmic_error"`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        pc = np.maximum(p, _EPSILON)
        d = np.log(pc + 1.0) - np.log(np.maximum(t, _EPSILON) + 1.0)
        if not need_grad:
            return d * d, None
        return d * d, np.where(p > _EPSILON, 2.0 * d / (pc + 1.0), 0.0)


class Huber(_ElementwiseMean):
    """Quadratic for `|error| <= delta`, linear beyond.

    Args:
        delta: the switch point. Defaults to `1.0`.
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"huber_loss"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.delta = float(delta)

    def _elements(self, t, p, need_grad):
        err = p - t
        a = np.abs(err)
        small = a <= self.delta
        e = np.where(small, 0.5 * err * err, self.delta * a - 0.5 * self.delta * self.delta)
        return e, (np.where(small, err, self.delta * np.sign(err)) if need_grad else None)

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


class LogCosh(_ElementwiseMean):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`. Name defaults to `"log_cosh"`."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        x = p - t
        e = x + np.logaddexp(0.0, -2.0 * x) - np.log(2.0)
        return e, (np.tanh(x) if need_grad else None)


def _hinge_labels(t):
    """Keras: labels in {0, 1} are mapped to {-1, 1}."""
    if np.all((t == 0) | (t == 1)):
        return 2.0 * t - 1.0
    return t


class Hinge(_ElementwiseMean):
    """`mean(max(1 - y_true * y_pred, 0), axis=-1)`, y_true in {-1, 1} (or {0, 1},
    converted). Name defaults to `"hinge"`."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        t = _hinge_labels(t)
        m = 1.0 - t * p
        return np.maximum(m, 0.0), (np.where(m > 0, -t, 0.0) if need_grad else None)


class SquaredHinge(_ElementwiseMean):
    """`mean(square(max(1 - y_true * y_pred, 0)), axis=-1)`. Name defaults to `"squared_hinge"`."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        t = _hinge_labels(t)
        m = np.maximum(1.0 - t * p, 0.0)
        return m * m, (-2.0 * t * m if need_grad else None)


class Poisson(_ElementwiseMean):
    """`mean(y_pred - y_true * log(y_pred + eps), axis=-1)`. Name defaults to `"poisson"`."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _elements(self, t, p, need_grad):
        return p - t * np.log(p + _EPSILON), (1.0 - t / (p + _EPSILON) if need_grad else None)


class CategoricalHinge(Loss):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` per sample.
    Name defaults to `"categorical_hinge"`."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        t, p = y_true.astype(np.float64), y_pred.astype(np.float64)
        pos = np.sum(t * p, axis=-1)
        q = (1.0 - t) * p
        neg = np.max(q, axis=-1)
        m = neg - pos + 1.0
        losses = np.maximum(m, 0.0)
        if not need_grad:
            return losses, None
        idx = np.argmax(q, axis=-1)
        onehot = np.zeros_like(p)
        np.put_along_axis(onehot, idx[..., None], 1.0, axis=-1)
        jac = (onehot * (1.0 - t) - t) * (m > 0)[..., None]
        return losses, jac.astype(np.float32)


class KLDivergence(Loss):
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to [eps, 1].
    Name defaults to `"kl_divergence"`."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        t = np.clip(y_true.astype(np.float64), _EPSILON, 1.0)
        p = y_pred.astype(np.float64)
        pc = np.clip(p, _EPSILON, 1.0)
        losses = np.sum(t * np.log(t / pc), axis=-1)
        if not need_grad:
            return losses, None
        inside = (p >= _EPSILON) & (p <= 1.0)
        return losses, np.where(inside, -t / pc, 0.0).astype(np.float32)


class CosineSimilarity(Loss):
    """`-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`: -1 means same direction.

    Args:
        axis: the axis along which the similarity is computed. Defaults to `-1`.
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"cosine_similarity"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.axis = axis

    def _prepare(self, y_true, y_pred):
        y_true, y_pred = super()._prepare(y_true, y_pred)
        if self.axis not in (-1, y_pred.ndim - 1):
            y_true, y_pred = np.moveaxis(y_true, self.axis, -1), np.moveaxis(y_pred, self.axis, -1)
        return y_true, y_pred

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        t, p = y_true.astype(np.float64), y_pred.astype(np.float64)
        tn = t / np.maximum(np.linalg.norm(t, axis=-1, keepdims=True), _EPSILON)
        pnorm = np.linalg.norm(p, axis=-1, keepdims=True)
        inv = 1.0 / np.maximum(pnorm, _EPSILON)
        pn = p * inv
        losses = -np.sum(tn * pn, axis=-1)
        if not need_grad:
            return losses, None
        proj = np.where(pnorm > _EPSILON, np.sum(tn * pn, axis=-1, keepdims=True), 0.0)
        return losses, (-(tn - pn * proj) * inv).astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class _Crossentropy(Loss):
    """Shared `axis` handling of the categorical / binary cross-entropies."""

    def _prepare(self, y_true, y_pred):
        y_true, y_pred = super()._prepare(y_true, y_pred)
        if self.axis not in (-1, y_pred.ndim - 1):
            y_true, y_pred = np.moveaxis(y_true, self.axis, -1), np.moveaxis(y_pred, self.axis, -1)
        return y_true, y_pred

    def _fused(self, t, p, from_logits, need_grad):
        shape = p.shape
        t2 = np.ascontiguousarray(t.reshape(-1, shape[-1]), dtype=np.float32)
        p2 = np.ascontiguousarray(p.reshape(-1, shape[-1]), dtype=np.float32)
        losses, grad = self._op(t2, p2, from_logits=from_logits)
        losses = losses.reshape(shape[:-1])
        return losses, (grad.reshape(shape) if need_grad else None)


class BinaryCrossentropy(_Crossentropy):
    """Binary cross-entropy, averaged over `axis` (Keras 3).

    Args:
        from_logits: whether `y_pred` holds logits (else probabilities, clipped to
            [1e-7, 1 - 1e-7]). Defaults to `False`.
        label_smoothing: in [0, 1]: labels become `y * (1 - ls) + 0.5 * ls`. Defaults to `0.0`.
        axis: the axis to average over. Defaults to `-1`.
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"binary_crossentropy"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise ValueError(f"`label_smoothing` must be in [0, 1]. Received: label_smoothing={label_smoothing}")

    @property
    def fused_activation(self):
        return None if self.from_logits else "sigmoid"

    @staticmethod
    def _op(t, p, from_logits):
        return ops.binary_crossentropy(t, p, from_logits=from_logits)

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        t = y_true
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        return self._fused(t, y_pred, self.from_logits or logits, need_grad)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(_Crossentropy):
    """Cross-entropy between one-hot (or soft) labels and predictions over `axis`.

    Args:
        from_logits: whether `y_pred` holds logits. Else probabilities, normalized to sum 1
            and clipped to [1e-7, 1 - 1e-7] as Keras does. Defaults to `False`.
        label_smoothing: in [0, 1]: labels become `y * (1 - ls) + ls / num_classes`.
            Defaults to `0.0`.
        axis: the class axis. Defaults to `-1`.
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"categorical_crossentropy"`.
        dtype: Defaults to `None`.

    Example:

    >>> loss = CategoricalCrossentropy()
    >>> round(loss([[0, 1, 0], [0, 0, 1]], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), 4)
    1.1769
    >>> loss.fused_activation
    'softmax'
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.label_smoothing = float(label_smoothing)
        self.axis = axis
        if not 0.0 <= self.label_smoothing <= 1.0:
            raise ValueError(f"`label_smoothing` must be in [0, 1]. Received: label_smoothing={label_smoothing}")

    @property
    def fused_activation(self):
        return None if self.from_logits else "softmax"

    @staticmethod
    def _op(t, p, from_logits):
        return ops.categorical_crossentropy(t, p, from_logits=from_logits)

    def _prepare(self, y_true, y_pred):
        y_pred_a, y_true_a = _as_float(y_pred), _as_float(y_true)
        if y_pred_a.ndim < 1 or y_true_a.shape != y_pred_a.shape:
            hint = ""
            if y_true_a.ndim == y_pred_a.ndim - 1 or (y_true_a.ndim == y_pred_a.ndim and y_true_a.shape[-1:] == (1,)):
                hint = (" Labels look like integer class indices: use "
                        "`sparse_categorical_crossentropy` for them, or one-hot encode them.")
            raise ValueError(
                "Arguments `target` and `output` must have the same shape. "
                f"Received: target.shape={y_true_a.shape}, output.shape={y_pred_a.shape}.{hint}"
            )
        if y_pred_a.ndim == 1:  # one sample's class scores
            y_true_a, y_pred_a = y_true_a[None, :], y_pred_a[None, :]
        return super()._prepare(y_true_a, y_pred_a)

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        t = y_true
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + self.label_smoothing / t.shape[-1]
        return self._fused(t, y_pred, self.from_logits or logits, need_grad)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy between integer labels and predictions over the last axis.

    Args:
        from_logits: whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: a label value whose samples get no loss and no gradient (and do not
            count in the mean, as Keras masks them). Defaults to `None`.
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"sparse_categorical_crossentropy"`.
        dtype: Defaults to `None`.

    Example:

    >>> loss = SparseCategoricalCrossentropy()
    >>> round(loss([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]), 4)
    1.1769
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.from_logits = bool(from_logits)
        self.ignore_class = ignore_class

    @property
    def fused_activation(self):
        return None if self.from_logits else "softmax"

    def _prepare(self, y_true, y_pred):
        y_pred = _as_float(y_pred)
        y_true = np.asarray(y_true)
        if y_true.dtype.kind not in "biuf":
            raise TypeError(f"Expected integer class labels. Received: y_true.dtype={y_true.dtype}")
        if y_pred.ndim < 1:
            raise ValueError(f"Argument `output` must have rank >= 1. Received: output.shape={y_pred.shape}")
        if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
            y_true = y_true.reshape(y_true.shape[:-1])
        if y_true.shape != y_pred.shape[:-1]:
            hint = ""
            if y_true.shape == y_pred.shape:
                hint = (" Labels look one-hot encoded: use `categorical_crossentropy` for them, or pass "
                        "integer class indices.")
            raise ValueError(
                "Arguments `target` and `output` must have the same shape up until the last dimension: "
                f"target.shape={y_true.shape}, output.shape={y_pred.shape}.{hint}"
            )
        if y_true.dtype.kind == "f":
            if not np.all(np.isfinite(y_true)) or np.any(y_true != np.round(y_true)):
                raise ValueError(
                    "sparse_categorical_crossentropy expects integer class labels; y_true holds "
                    f"non-integer values (e.g. {y_true[y_true != np.round(y_true)][:3].tolist()}). "
                    "For one-hot or soft labels use `categorical_crossentropy`."
                )
        return y_true.astype(np.int64), y_pred

    def _mask(self, y_true):
        return None if self.ignore_class is None else (y_true != self.ignore_class)

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        shape = y_pred.shape
        labels = y_true.reshape(-1)
        mask = None
        if self.ignore_class is not None:
            mask = labels != self.ignore_class
            labels = np.where(mask, labels, 0)
        p2 = np.ascontiguousarray(y_pred.reshape(-1, shape[-1]), dtype=np.float32)
        losses, grad = ops.sparse_categorical_crossentropy(
            np.ascontiguousarray(labels), p2, from_logits=self.from_logits or logits)
        if mask is not None:
            losses = np.where(mask, losses, 0.0)
            if need_grad:
                grad = grad * mask[:, None]
        losses = losses.reshape(shape[:-1])
        return losses, (np.asarray(grad).reshape(shape) if need_grad else None)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "ignore_class": self.ignore_class}


def _sigmoid(z):
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))))


class BinaryFocalCrossentropy(_ElementwiseMean, _Crossentropy):
    """Binary focal cross-entropy (Keras 3): the binary cross-entropy scaled by
    `(1 - p_t) ** gamma`, optionally weighted by `alpha` for positives and `1 - alpha` for
    negatives, averaged over the last axis. Computed with vectorised NumPy.

    Args:
        apply_class_balancing: weight by alpha / 1 - alpha. Defaults to `False`.
        alpha: Defaults to `0.25`.
        gamma: focusing parameter. Defaults to `2.0`.
        from_logits: Defaults to `False`.
        label_smoothing: Defaults to `0.0`.
        axis: Defaults to `-1`.
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"binary_focal_crossentropy"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="sum_over_batch_size", name="binary_focal_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.apply_class_balancing = bool(apply_class_balancing)
        self.alpha, self.gamma = float(alpha), float(gamma)
        self.from_logits, self.label_smoothing, self.axis = bool(from_logits), float(label_smoothing), axis

    def _elements(self, t, z, need_grad):
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + 0.5 * self.label_smoothing
        p = _sigmoid(z) if self.from_logits else z
        pc = np.clip(p, _EPSILON, 1.0 - _EPSILON)
        bce = -(t * np.log(pc) + (1.0 - t) * np.log(1.0 - pc))
        one_minus_pt = 1.0 - (t * p + (1.0 - t) * (1.0 - p))
        focal = np.power(one_minus_pt, self.gamma)
        w = t * self.alpha + (1.0 - t) * (1.0 - self.alpha) if self.apply_class_balancing else 1.0
        e = w * focal * bce
        if not need_grad:
            return e, None
        inside = (p >= _EPSILON) & (p <= 1.0 - _EPSILON)
        dbce = np.where(inside, -t / pc + (1.0 - t) / (1.0 - pc), 0.0)
        dfocal = np.where(one_minus_pt > 0, self.gamma * np.power(np.maximum(one_minus_pt, 1e-300), self.gamma - 1.0),
                          0.0) * (1.0 - 2.0 * t)
        de = w * (dfocal * bce + focal * dbce)
        if self.from_logits:
            de = de * p * (1.0 - p)
        return e, de

    def get_config(self):
        return {**super().get_config(), "apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma, "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                "axis": self.axis}


class CategoricalFocalCrossentropy(CategoricalCrossentropy):
    """Categorical focal cross-entropy (Keras 3): `sum(alpha * (1 - q) ** gamma * -y log q)`
    over the class axis, q the (normalized, clipped) probabilities. Vectorised NumPy.

    Args:
        alpha: Defaults to `0.25`.
        gamma: Defaults to `2.0`.
        from_logits: Defaults to `False`.
        label_smoothing: Defaults to `0.0`.
        axis: Defaults to `-1`.
        reduction: Defaults to `"sum_over_batch_size"`.
        name: Defaults to `"categorical_focal_crossentropy"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy", dtype=None):
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, axis=axis, reduction=reduction,
                         name=name, dtype=dtype)
        self.alpha, self.gamma = float(alpha), float(gamma)

    @property
    def fused_activation(self):
        return None

    def _per_sample(self, y_true, y_pred, need_grad, logits=False):
        t, z = y_true.astype(np.float64), y_pred.astype(np.float64)
        if self.label_smoothing:
            t = t * (1.0 - self.label_smoothing) + self.label_smoothing / t.shape[-1]
        if self.from_logits:
            ez = np.exp(z - z.max(axis=-1, keepdims=True))
            p = ez / ez.sum(axis=-1, keepdims=True)
        else:
            p = z
        s = p.sum(axis=-1, keepdims=True)
        r = p / s
        q = np.clip(r, _EPSILON, 1.0 - _EPSILON)
        mod = np.power(1.0 - q, self.gamma)
        losses = np.sum(self.alpha * mod * (-t * np.log(q)), axis=-1)
        if not need_grad:
            return losses, None
        dq = self.alpha * (self.gamma * np.power(1.0 - q, self.gamma - 1.0) * t * np.log(q) - mod * t / q)
        dq = np.where((r >= _EPSILON) & (r <= 1.0 - _EPSILON), dq, 0.0)
        if self.from_logits:
            jac = p * (dq - np.sum(dq * p, axis=-1, keepdims=True))
        else:
            jac = dq / s - np.sum(dq * p, axis=-1, keepdims=True) / (s * s)
        return losses, jac.astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "gamma": self.gamma}
