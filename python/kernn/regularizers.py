"""Weight regularizers (Keras 3): callables `reg(x) -> float` penalty added to the loss,
with `reg.gradient(x)` -> d penalty / d x, which the trainer adds to the weight gradient.
"""
import math

import numpy as np

from kernn._registry import make_registry


def validate_float_arg(value, name):
    """A non-negative finite float, else Keras's ValueError."""
    if (isinstance(value, bool) or not isinstance(value, (float, int, np.floating, np.integer))
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value}"
        )
    return float(value)


class Regularizer:
    """Base class: `__call__(x) -> float`, `gradient(x) -> ndarray`, `get_config()`."""

    def __call__(self, x):
        return 0.0

    def gradient(self, x):
        return np.zeros_like(np.asarray(x, dtype=np.float32))

    def get_config(self):
        raise NotImplementedError(f"{self.__class__.__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`.

    Args:
        l1: L1 factor. Defaults to `0.0`.
        l2: L2 factor. Defaults to `0.0`.
    """

    def __init__(self, l1=0.0, l2=0.0):
        l1 = 0.0 if l1 is None else l1
        l2 = 0.0 if l2 is None else l2
        self.l1 = validate_float_arg(l1, name="l1")
        self.l2 = validate_float_arg(l2, name="l2")

    def __call__(self, x):
        x = np.asarray(x, dtype=np.float64)
        out = 0.0
        if self.l1:
            out += self.l1 * float(np.sum(np.abs(x)))
        if self.l2:
            out += self.l2 * float(np.sum(np.square(x)))
        return out

    def gradient(self, x):
        x = np.asarray(x, dtype=np.float32)
        g = np.zeros_like(x)
        if self.l1:
            g += np.float32(self.l1) * np.sign(x)
        if self.l2:
            g += np.float32(2.0 * self.l2) * x
        return g

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """`l1 * sum(|x|)`. Args: l1: Defaults to `0.01`."""

    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """`l2 * sum(x**2)`; its gradient is `2 * l2 * x`.

    Args:
        l2: Defaults to `0.01`.

    Example:

    >>> reg = L2(0.1)
    >>> round(reg([[1.0, -2.0]]), 6), reg.gradient([[1.0, -2.0]]).tolist()
    (0.5, [[0.20000000298023224, -0.4000000059604645]])
    """

    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight towards orthogonality (Keras 3):
    `factor * 0.5 * sum(|off-diagonal of N N^T|) / num_pairs` with N the L2-normalized rows.

    Args:
        factor: Defaults to `0.01`.
        mode: "rows" or "columns". Defaults to `"rows"`.
    """

    _EPS = 1e-14  # x / max(|x|, 1e-7), as keras.ops.normalize

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = validate_float_arg(factor, name="factor")
        if mode not in {"rows", "columns"}:
            raise ValueError("Invalid value for argument `mode`. Expected one of {'rows', 'columns'}. "
                             f"Received: mode={mode}")
        self.mode = mode

    def _prepare(self, x):
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={x.shape}")
        return x if self.mode == "rows" else x.T

    def __call__(self, x):
        a = self._prepare(x)
        n = a / np.sqrt(np.maximum(np.sum(a * a, axis=1, keepdims=True), self._EPS))
        size = a.shape[0]
        if size < 2:
            return 0.0
        p = (n @ n.T) * (1.0 - np.eye(size))
        return float(self.factor * 0.5 * np.sum(np.abs(p)) / (size * (size - 1.0) / 2.0))

    def gradient(self, x):
        a = self._prepare(x)
        size = a.shape[0]
        if size < 2:
            return np.zeros(np.shape(x), np.float32)
        sq = np.sum(a * a, axis=1, keepdims=True)
        inv = 1.0 / np.sqrt(np.maximum(sq, self._EPS))
        n = a * inv
        p = n @ n.T
        gp = np.sign(p) * (1.0 - np.eye(size)) * (self.factor * 0.5 / (size * (size - 1.0) / 2.0))
        gn = (gp + gp.T) @ n
        # Through n = a * rsqrt(max(|a|^2, eps)): the norm term only acts where |a|^2 > eps.
        proj = np.where(sq > self._EPS, np.sum(n * gn, axis=1, keepdims=True), 0.0)
        ga = (gn - n * proj) * inv
        return (ga if self.mode == "rows" else ga.T).astype(np.float32)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


ALL_OBJECTS_DICT = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "l1": L1, "l2": L2, "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer,
}

# Keras's lowercase aliases.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


serialize, deserialize, _get = make_registry("regularizer", "keras.regularizers", Regularizer, ALL_OBJECTS_DICT,
                                             ['l1', 'l2', 'l1_l2', 'orthogonal_regularizer'])


def get(identifier):
    """A regularizer from a name ("l1", "l2", "l1_l2", ...), config dict, class or callable."""
    return _get(identifier)


__all__ = ["L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get",
           "serialize"]
