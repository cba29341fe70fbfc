"""LayerNormalization over the last axis on kernn's layer-norm kernels."""
import numpy as np

from kernn import constraints, initializers, ops, regularizers
from kernn.layers._serial import serialize
from kernn.layers.layer import Layer


def _get(module, value):
    return None if value is None else module.get(value)


class LayerNormalization(Layer):
    """Layer normalization: each sample is normalized over its last axis,
    `gamma * (x - mean) / sqrt(var + epsilon) + beta` (biased variance).

    Args:
        axis: the axis to normalize; kernn supports the last axis (`-1`, or `ndim - 1`).
            Defaults to `-1`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: add the offset `beta`. Defaults to `True`.
        scale: multiply by `gamma`. Defaults to `True`.
        rms_scaling: not supported by kernn (must be `False`). Defaults to `False`.
        beta_initializer: Defaults to "zeros".
        gamma_initializer: Defaults to "ones".
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: Defaults to `None`.

    Weights (Keras's order): gamma, beta.

    Example:
    >>> import numpy as np, kernn
    >>> np.round(kernn.layers.LayerNormalization(epsilon=0.0)(np.array([[1.0, 3.0]])), 3).tolist()
    [[-1.0, 1.0]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"kernn's LayerNormalization normalizes over the last axis only. Received: axis={axis}")
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis}")
        if rms_scaling:
            raise ValueError("kernn's LayerNormalization does not support rms_scaling=True")
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = False
        self._args = dict(beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                          beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                          beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None
        self._cache = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if self.axis not in (-1, ndim - 1):
            raise ValueError(f"kernn's LayerNormalization normalizes over the last axis only. Received: "
                             f"axis={self.axis} for an input of shape {tuple(input_shape)}")
        dim = input_shape[-1]
        a = self._args
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=(dim,), initializer=initializers.get(a["gamma_initializer"]),
                                         regularizer=_get(regularizers, a["gamma_regularizer"]),
                                         constraint=_get(constraints, a["gamma_constraint"]))
        if self.center:
            self.beta = self.add_weight(name="beta", shape=(dim,), initializer=initializers.get(a["beta_initializer"]),
                                        regularizer=_get(regularizers, a["beta_regularizer"]),
                                        constraint=_get(constraints, a["beta_constraint"]))
        self.built = True

    def call(self, inputs, training=False, mask=None):
        gamma = self.gamma.value if self.gamma is not None else None
        beta = self.beta.value if self.beta is not None else None
        y, mean, rstd = ops.layer_norm(inputs, gamma, beta, self.epsilon)
        self._cache = (inputs, mean, rstd)
        return y

    def backward(self, grad):
        x, mean, rstd = self._cache
        gamma = self.gamma.value if self.gamma is not None else None
        dx, dgamma, dbeta = ops.layer_norm_backward(x, grad, mean, rstd, gamma)
        if self.trainable:
            if self.gamma is not None and self.gamma.trainable:
                self.gamma.grad += dgamma
            if self.beta is not None and self.beta.trainable:
                self.beta.grad += dbeta
        return dx

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        a = self._args
        config = {
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": serialize(initializers, a["beta_initializer"]),
            "gamma_initializer": serialize(initializers, a["gamma_initializer"]),
            "beta_regularizer": serialize(regularizers, a["beta_regularizer"]),
            "gamma_regularizer": serialize(regularizers, a["gamma_regularizer"]),
            "beta_constraint": serialize(constraints, a["beta_constraint"]),
            "gamma_constraint": serialize(constraints, a["gamma_constraint"]),
        }
        return {**super().get_config(), **config}
