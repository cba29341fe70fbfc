"""Variable: a named float32 array that layers own and optimizers update in place."""
import numpy as np


class Variable:
    """A model weight.

    `value` is a C-contiguous float32 ndarray that is updated in place (never rebound), so
    kernels and optimizers can hold on to it. `grad` has the same shape; a layer's
    `backward` accumulates the weight gradient into it (`+=`), and the trainer zeroes it
    before each step.

    Args:
        value: initial value (converted to float32, copied).
        name: short name, e.g. "kernel".
        path: unique path, e.g. "dense/kernel". Defaults to `name`.
        trainable: whether optimizers update it. Defaults to `True`.
        regularizer: callable penalty `reg(value) -> float` with `reg.gradient(value)`,
            or `None`. Defaults to `None`.
        constraint: callable `c(value) -> value` applied after each update, or `None`.
            Defaults to `None`.
    """

    def __init__(self, value, name, path=None, trainable=True, regularizer=None, constraint=None):
        self.value = np.array(value, dtype=np.float32, order="C", copy=True)
        self.grad = np.zeros_like(self.value)
        self.name = name
        self.path = path or name
        self.trainable = bool(trainable)
        self.regularizer = regularizer
        self.constraint = constraint

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    def numpy(self):
        """A copy of the current value."""
        return self.value.copy()

    def assign(self, value):
        """Set the value in place; raises ValueError on a shape mismatch."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.value.shape}; cannot assign a value of "
                f"shape {value.shape}"
            )
        self.value[...] = value
        return self

    def zero_grad(self):
        self.grad[...] = 0.0

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.value.shape} dtype=float32>"
