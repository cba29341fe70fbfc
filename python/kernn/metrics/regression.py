"""Regression and probabilistic metrics (Keras 3): means of per-sample losses, RMSE, R2."""
import warnings

import numpy as np

from kernn import losses as _losses
from kernn.metrics.metric import Mean, MeanMetricWrapper, Metric, _to_array, align_ranks


def _per_sample(loss_cls, **kwargs):
    loss = loss_cls(reduction="none", **kwargs)

    def fn(y_true, y_pred):
        return loss.call(y_true, y_pred)

    fn.__name__ = loss.name
    return fn


class MeanSquaredError(MeanMetricWrapper):
    """Mean of `mean(square(y_true - y_pred), axis=-1)`. Name `"mean_squared_error"`."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(_per_sample(_losses.MeanSquaredError), name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean absolute error. Name `"mean_absolute_error"`."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(_per_sample(_losses.MeanAbsoluteError), name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean absolute percentage error. Name `"mean_absolute_percentage_error"`."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(_per_sample(_losses.MeanAbsolutePercentageError), name=name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean squared logarithmic error. Name `"mean_squared_logarithmic_error"`."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(_per_sample(_losses.MeanSquaredLogarithmicError), name=name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """Mean of log(cosh(y_pred - y_true)). Name `"logcosh"`."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(_per_sample(_losses.LogCosh), name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions (1 = same direction).

    Args:
        name: Defaults to `"cosine_similarity"`.
        dtype: Defaults to `None`.
        axis: Defaults to `-1`.
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        loss = _losses.CosineSimilarity(axis=axis, reduction="none")

        def cosine_similarity(y_true, y_pred):
            return -loss.call(y_true, y_pred)

        super().__init__(cosine_similarity, name=name, dtype=dtype)
        self.axis = axis

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class RootMeanSquaredError(Mean):
    """`sqrt(mean(square(y_true - y_pred)))` over everything seen. Name `"root_mean_squared_error"`."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = align_ranks(_to_array(y_true), _to_array(y_pred))
        super().update_state(np.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


class RootMeanSquaredLogarithmicError(Mean):
    """`sqrt(mean(square(log(y_pred + 1) - log(y_true + 1))))` (inputs floored at 1e-7,
    as MeanSquaredLogarithmicError). Name `"root_mean_squared_logarithmic_error"`."""

    def __init__(self, name="root_mean_squared_logarithmic_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = align_ranks(_to_array(y_true), _to_array(y_pred))
        d = np.log(np.maximum(y_pred, 1e-7) + 1.0) - np.log(np.maximum(y_true, 1e-7) + 1.0)
        super().update_state(np.square(d), sample_weight=sample_weight)

    def result(self):
        return float(np.sqrt(super().result()))


class R2Score(Metric):
    """Coefficient of determination, per output then aggregated (Keras 3).

    Args:
        class_aggregation: "uniform_average", "variance_weighted_average" or `None`
            (per-output scores). Defaults to `"uniform_average"`.
        num_regressors: for the adjusted R2. Defaults to `0`.
        name: Defaults to `"r2_score"`.
        dtype: Defaults to `None`.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value >= 0. "
                             f"Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self._built = False

    def _build(self, n_out):
        for name in ("squared_sum", "sum", "total_mse", "count"):
            self.add_variable(name, np.zeros(n_out))
        self.add_variable("num_samples", 0.0)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = align_ranks(_to_array(y_true), _to_array(y_pred))
        if y_pred.ndim == 1:
            y_true, y_pred = y_true[:, None], y_pred[:, None]
        if y_pred.ndim != 2 or y_true.ndim != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                             f"shapes: y_pred.shape={y_pred.shape} and y_true.shape={y_true.shape}.")
        if not self._built:
            self._build(y_pred.shape[-1])
        sw = np.ones(1) if sample_weight is None else _to_array(sample_weight)
        if sw.ndim == 1:
            sw = sw[:, None]
        sw = np.broadcast_to(sw, y_true.shape)
        wt = y_true * sw
        self.sum = self.sum + wt.sum(axis=0)
        self.squared_sum = self.squared_sum + (y_true * wt).sum(axis=0)
        self.total_mse = self.total_mse + ((y_true - y_pred) ** 2 * sw).sum(axis=0)
        self.count = self.count + sw.sum(axis=0)
        self.num_samples = self.num_samples + y_true.size

    def result(self):
        if not self._built:
            return 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = np.mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = np.sum(total * raw) / np.sum(total)
        else:
            score = raw
        if self.num_regressors:
            n, p = float(self.num_samples), float(self.num_regressors)
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return float(score) if np.ndim(score) == 0 else np.asarray(score, np.float32)

    def reset_state(self):
        super().reset_state()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary cross-entropy.

    Args:
        name: Defaults to `"binary_crossentropy"`.
        dtype: Defaults to `None`.
        from_logits: Defaults to `False`.
        label_smoothing: Defaults to `0`.
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(_per_sample(_losses.BinaryCrossentropy, from_logits=from_logits,
                                     label_smoothing=label_smoothing), name=name, dtype=dtype)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical cross-entropy.

    Args:
        name: Defaults to `"categorical_crossentropy"`.
        dtype: Defaults to `None`.
        from_logits: Defaults to `False`.
        label_smoothing: Defaults to `0`.
        axis: Defaults to `-1`.
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0, axis=-1):
        super().__init__(_per_sample(_losses.CategoricalCrossentropy, from_logits=from_logits,
                                     label_smoothing=label_smoothing, axis=axis), name=name, dtype=dtype)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean sparse categorical cross-entropy.

    Args:
        name: Defaults to `"sparse_categorical_crossentropy"`.
        dtype: Defaults to `None`.
        from_logits: Defaults to `False`.
        axis: Defaults to `-1`.
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        super().__init__(_per_sample(_losses.SparseCategoricalCrossentropy, from_logits=from_logits),
                         name=name, dtype=dtype)
        self.from_logits, self.axis = from_logits, axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits, "axis": self.axis}


class Hinge(MeanMetricWrapper):
    """Mean hinge loss. Name `"hinge"`."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(_per_sample(_losses.Hinge), name=name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss. Name `"squared_hinge"`."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(_per_sample(_losses.SquaredHinge), name=name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss. Name `"categorical_hinge"`."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(_per_sample(_losses.CategoricalHinge), name=name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence. Name `"kl_divergence"`."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(_per_sample(_losses.KLDivergence), name=name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss. Name `"poisson"`."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(_per_sample(_losses.Poisson), name=name, dtype=dtype)
