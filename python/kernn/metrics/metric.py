"""Metric base class and the reduction metrics (Mean, Sum, MeanMetricWrapper), Keras 3."""
import re

import numpy as np


def to_snake_case(name):
    """Keras's `to_snake_case`: "RootMeanSquaredError" -> "root_mean_squared_error", "AUC" -> "auc"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def align_ranks(y_true, y_pred):
    """Keras's squeeze_or_expand_to_same_rank for (y_true, y_pred): drop or add a trailing
    axis of size 1 on y_true so the ranks match (no error: NumPy broadcasting decides)."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape[:-1])
    elif y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1:
        y_true = y_true.reshape(y_true.shape + (1,))
    return y_true, y_pred


def _to_array(x, dtype=np.float64):
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"Expected an array of real numbers. Received: dtype={arr.dtype}")
    return arr.astype(dtype, copy=False)


class Metric:
    """Base class of stateful metrics: `update_state(...)`, `result()`, `reset_state()`.

    Args:
        name: metric name. Defaults to the snake_case class name.
        dtype: Defaults to `None` ("float32").
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(self.__class__.__name__)
        self._dtype = dtype
        self._state_names = []

    @property
    def dtype(self):
        return self._dtype or "float32"

    def add_variable(self, name, value):
        """Register a state array (reset to its initial value by `reset_state`)."""
        value = np.array(value, dtype=np.float64)
        setattr(self, name, value)
        self._state_names.append((name, value.copy()))
        return value

    @property
    def variables(self):
        return [getattr(self, n) for n, _ in self._state_names]

    def reset_state(self):
        for n, init in self._state_names:
            setattr(self, n, init.copy())

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{self.__class__.__name__} must implement update_state.")

    def result(self):
        raise NotImplementedError(f"{self.__class__.__name__} must implement result.")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"


def reduce_to_samplewise(values, sample_weight):
    """Keras's reduce_to_samplewise_values with a mean: per-sample values and weights."""
    values = _to_array(values)
    if sample_weight is not None:
        sw = _to_array(sample_weight)
        if sw.ndim == values.ndim + 1 and sw.shape[-1] == 1:
            sw = sw.reshape(sw.shape[:-1])
        elif values.ndim == sw.ndim + 1 and values.shape[-1] == 1:
            values = values.reshape(values.shape[:-1])
        if values.ndim > sw.ndim:
            values = values.mean(axis=tuple(range(sw.ndim, values.ndim))) if sw.ndim else values
        try:
            sw = np.broadcast_to(sw, values.shape)
        except ValueError:
            raise ValueError(f"`sample_weight` of shape {np.shape(sample_weight)} does not match values of "
                             f"shape {values.shape}") from None
        values = values * sw
        if sw.ndim > 1:
            sw = sw.mean(axis=tuple(range(1, sw.ndim)))
    if values.ndim > 1:
        values = values.mean(axis=tuple(range(1, values.ndim)))
    return values, sample_weight if sample_weight is None else sw


class Sum(Metric):
    """Running (weighted) sum of the values. Name defaults to `"sum"`."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable("total", 0.0)

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise(values, sample_weight)
        self.total = self.total + np.sum(values)

    def result(self):
        return float(self.total)


class Mean(Metric):
    """Running (weighted) mean of the values: `sum(values * w) / sum(w)`.

    Example:

    >>> m = Mean()
    >>> m.update_state([1, 3, 5, 7])
    >>> m.result()
    4.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.add_variable("total", 0.0)
        self.add_variable("count", 0.0)

    def update_state(self, values, sample_weight=None):
        values, sw = reduce_to_samplewise(values, sample_weight)
        self.total = self.total + np.sum(values)
        if sw is not None:
            n = np.sum(sw)
        else:
            n = values.shape[0] if values.ndim >= 1 else 1
        self.count = self.count + n

    def result(self):
        return float(self.total / self.count) if self.count != 0 else 0.0


class MeanMetricWrapper(Mean):
    """Mean of a per-sample function `fn(y_true, y_pred, **kwargs)`.

    Args:
        fn: the function.
        name: Defaults to `fn.__name__`.
        dtype: Defaults to `None`.
        **kwargs: passed to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update(self._fn_kwargs)
        if type(self) is MeanMetricWrapper:
            config["fn"] = getattr(self._fn, "__name__", repr(self._fn))
        return config
