"""LayerNormalization over any axes on kernn's layer-norm kernels (the normalized axes moved last)."""
import numpy as np

from kernn import constraints, initializers, ops, regularizers
from kernn.layers._serial import serialize
from kernn.layers.layer import Layer


def _get(module, value):
    return None if value is None else module.get(value)


class LayerNormalization(Layer):
    """Layer normalization: each sample is normalized over `axis`,
    `gamma * (x - mean) / sqrt(var + epsilon) + beta` (biased variance).

    Args:
        axis: the axis or list of axes to normalize over (statistics per index of the other
            axes). Defaults to `-1`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: add the offset `beta`. Defaults to `True`.
        scale: multiply by `gamma`. Defaults to `True`.
        rms_scaling: not supported by kernn (must be `False`). Defaults to `False`.
        beta_initializer: Defaults to "zeros".
        gamma_initializer: Defaults to "ones".
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: Defaults to `None`.

    Weights (Keras's order): gamma, beta, each shaped as the input's `axis` dimensions.

    Example:
    >>> import numpy as np, kernn
    >>> np.round(kernn.layers.LayerNormalization(epsilon=0.0)(np.array([[1.0, 3.0]])), 3).tolist()
    [[-1.0, 1.0]]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in axes):
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', but received: {axis}")
        if rms_scaling:
            raise ValueError("kernn's LayerNormalization does not support rms_scaling=True")
        self.axis = [int(a) for a in axes] if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = False
        self._args = dict(beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                          beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                          beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None
        self._axes = None  # the normalized axes, non-negative and sorted
        self._cache = None

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -ndim <= a < ndim:
                raise ValueError(f"Invalid axis: {a} for input of rank {ndim}. Received: axis={self.axis}, "
                                 f"input shape {tuple(input_shape)}")
        norm = [a % ndim for a in axes]
        if len(set(norm)) != len(norm):
            raise ValueError(f"Duplicate axis in axis={self.axis} for an input of rank {ndim}")
        self._axes = sorted(norm)
        shape = tuple(input_shape[a] for a in axes)  # Keras: in the order given
        a = self._args
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=shape, initializer=initializers.get(a["gamma_initializer"]),
                                         regularizer=_get(regularizers, a["gamma_regularizer"]),
                                         constraint=_get(constraints, a["gamma_constraint"]))
        if self.center:
            self.beta = self.add_weight(name="beta", shape=shape, initializer=initializers.get(a["beta_initializer"]),
                                        regularizer=_get(regularizers, a["beta_regularizer"]),
                                        constraint=_get(constraints, a["beta_constraint"]))
        self.built = True

    def _layout(self, ndim):
        """The permutation that moves the normalized axes last (in order), or None when they are."""
        rest = [d for d in range(ndim) if d not in self._axes]
        perm = rest + self._axes
        return None if perm == list(range(ndim)) else perm

    def call(self, inputs, training=False, mask=None):
        x = np.asarray(inputs, dtype=np.float32)
        gamma = self.gamma.value.ravel() if self.gamma is not None else None  # flat, in the axes' order
        beta = self.beta.value.ravel() if self.beta is not None else None
        perm = self._layout(x.ndim)
        xt = x if perm is None else np.ascontiguousarray(np.transpose(x, perm))
        cols = int(np.prod(xt.shape[x.ndim - len(self._axes):]))
        y, mean, rstd = ops.layer_norm(xt.reshape(-1, cols), gamma, beta, self.epsilon)
        self._cache = (xt, mean, rstd, perm)
        y = y.reshape(xt.shape)
        return y if perm is None else np.transpose(y, np.argsort(perm))

    def backward(self, grad):
        xt, mean, rstd, perm = self._cache
        gamma = self.gamma.value.ravel() if self.gamma is not None else None
        g = np.asarray(grad, dtype=np.float32)
        gt = g if perm is None else np.ascontiguousarray(np.transpose(g, perm))
        cols = int(np.prod(xt.shape[xt.ndim - len(self._axes):]))
        dx, dgamma, dbeta = ops.layer_norm_backward(xt.reshape(-1, cols), gt.reshape(-1, cols), mean, rstd, gamma)
        if self.trainable:
            if self.gamma is not None and self.gamma.trainable:
                self.gamma.grad += dgamma.reshape(self.gamma.shape)
            if self.beta is not None and self.beta.trainable:
                self.beta.grad += dbeta.reshape(self.beta.shape)
        dx = dx.reshape(xt.shape)
        return dx if perm is None else np.transpose(dx, np.argsort(perm))

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
