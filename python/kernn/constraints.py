"""Weight constraints (Keras 3): callables `c(w) -> w'` applied after each optimizer update."""
import numpy as np

from kernn._registry import make_registry

_EPSILON = 1e-7  # keras.config.epsilon()


def _norms(w, axis):
    w = np.asarray(w, dtype=np.float32)
    return w, np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: `__call__(w) -> ndarray` and `get_config()`."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales each slice along `axis` whose L2 norm exceeds `max_value`.

    Args:
        max_value: maximum norm. Defaults to `2`.
        axis: axis (or axes) along which norms are computed. Defaults to `0`.

    Example:

    >>> import numpy as np
    >>> w = MaxNorm(1.0)(np.array([[3.0], [4.0]]))
    >>> np.round(w.astype(float), 4).tolist()
    [[0.6], [0.8]]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        w, norms = _norms(w, _axis(self.axis))
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (_EPSILON + norms))).astype(np.float32)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Zeroes the negative entries."""

    def __call__(self, w):
        w = np.asarray(w, dtype=np.float32)
        return w * (w >= 0.0).astype(np.float32)


class UnitNorm(Constraint):
    """Divides each slice along `axis` by its L2 norm. Args: axis: Defaults to `0`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w, norms = _norms(w, _axis(self.axis))
        return (w / (_EPSILON + norms)).astype(np.float32)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keeps each slice's L2 norm within [min_value, max_value], moving by `rate`.

    Args:
        min_value: Defaults to `0.0`.
        max_value: Defaults to `1.0`.
        rate: 1.0 clips exactly; smaller moves part of the way. Defaults to `1.0`.
        axis: Defaults to `0`.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        w, norms = _norms(w, _axis(self.axis))
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return (w * (desired / (_EPSILON + norms))).astype(np.float32)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


ALL_OBJECTS_DICT = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm,
    "MinMaxNorm": MinMaxNorm, "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
    "min_max_norm": MinMaxNorm,
}
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm


serialize, deserialize, _get = make_registry("constraint", "keras.constraints", Constraint, ALL_OBJECTS_DICT,
                                             ['max_norm', 'min_max_norm', 'non_neg', 'unit_norm'])


def get(identifier):
    """A constraint from a name ("max_norm", "non_neg", ...), config dict, class or callable."""
    return _get(identifier)


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
           "serialize"]
