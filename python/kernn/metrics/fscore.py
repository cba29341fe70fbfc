"""F-beta and F1 scores (Keras 3), per class with optional micro/macro/weighted averaging."""
import numpy as np

from kernn.metrics.metric import Metric, _to_array

_EPSILON = 1e-7


class FBetaScore(Metric):
    """F-beta score of 2-D (batch, classes) one-hot / multi-label data.

    Args:
        average: None (per-class scores), "micro", "macro" or "weighted". Defaults to `None`.
        beta: weight of recall relative to precision. Defaults to `1.0`.
        threshold: predictions above it are positive; `None` marks each row's maximum
            as the positive class. Defaults to `None`.
        name: Defaults to `"fbeta_score"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                             f"'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError(f"Invalid `beta` argument value. It should be a Python float. Received: beta={beta} "
                             f"of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python float. "
                                 f"Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                                 f"Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self._axis = None if average == "micro" else 0
        self._built = False

    def _build(self, n):
        shape = () if self.average == "micro" else (n,)
        for name in ("true_positives", "false_positives", "false_negatives", "intermediate_weights"):
            self.add_variable(name, np.zeros(shape))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = _to_array(y_true), _to_array(y_pred)
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError("FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        if not self._built:
            self._build(y_pred.shape[-1])
        if self.threshold is None:
            y_pred = (y_pred == y_pred.max(axis=-1, keepdims=True)).astype(np.float64)
        else:
            y_pred = (y_pred > self.threshold).astype(np.float64)

        def wsum(v):
            if sample_weight is not None:
                v = v * _to_array(sample_weight).reshape(-1, 1)
            return v.sum(axis=self._axis)

        self.true_positives = self.true_positives + wsum(y_pred * y_true)
        self.false_positives = self.false_positives + wsum(y_pred * (1 - y_true))
        self.false_negatives = self.false_negatives + wsum((1 - y_pred) * y_true)
        self.intermediate_weights = self.intermediate_weights + wsum(y_true)

    def result(self):
        if not self._built:
            return 0.0
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + _EPSILON)
        recall = tp / (tp + self.false_negatives + _EPSILON)
        b2 = self.beta**2
        f = precision * recall / (b2 * precision + recall + _EPSILON) * (1 + b2)
        if self.average == "weighted":
            w = self.intermediate_weights / (np.sum(self.intermediate_weights) + _EPSILON)
            return float(np.sum(f * w))
        if self.average is not None:
            return float(np.mean(f))
        return np.asarray(f, np.float32)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "beta": self.beta, "average": self.average,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: FBetaScore with beta = 1. Name defaults to `"f1_score"`."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
