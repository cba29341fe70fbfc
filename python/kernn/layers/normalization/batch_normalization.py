"""BatchNormalization on kernn's batch-norm kernels (channel axis moved last when needed)."""
import numpy as np

from kernn import constraints, initializers, ops, regularizers
from kernn.layers._serial import serialize
from kernn.layers.layer import InputSpec, Layer


def _get(module, value):
    return None if value is None else module.get(value)


class BatchNormalization(Layer):
    """Layer that normalizes its inputs.

    In training (`training=True`, layer trainable) it normalizes with the batch's mean and
    biased variance over every axis but `axis`, and updates the moving statistics:
    `moving = moving * momentum + batch * (1 - momentum)`. In inference it uses the moving
    statistics: `gamma * (x - moving_mean) / sqrt(moving_var + epsilon) + beta`. A layer with
    `trainable=False` always runs in inference mode, as in Keras.

    Args:
        axis: the features axis. Defaults to `-1`.
        momentum: momentum of the moving averages. Defaults to `0.99`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: add the offset `beta`. Defaults to `True`.
        scale: multiply by `gamma`. Defaults to `True`.
        beta_initializer: Defaults to "zeros".
        gamma_initializer: Defaults to "ones".
        moving_mean_initializer: Defaults to "zeros".
        moving_variance_initializer: Defaults to "ones".
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: Defaults to `None`.

    Weights (Keras's order): gamma, beta, moving_mean, moving_variance (without gamma when
    `scale=False`, without beta when `center=False`).

    Example:
    >>> import numpy as np, kernn
    >>> bn = kernn.layers.BatchNormalization()
    >>> y = bn(np.array([[0.0], [2.0]]), training=True)
    >>> [round(float(v), 4) for v in y.ravel()], round(float(bn.moving_mean.numpy()[0]), 4)
    ([-0.9995, 0.9995], 0.01)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"kernn's BatchNormalization normalizes over one features axis. Received: axis={axis}")
            axis = axis[0]
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Expected an int for `axis`. Received: axis={axis}")
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.synchronized = synchronized
        self._args = dict(beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
                          moving_mean_initializer=moving_mean_initializer,
                          moving_variance_initializer=moving_variance_initializer, beta_regularizer=beta_regularizer,
                          gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint,
                          gamma_constraint=gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None
        self._cache = None

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = self.axis if self.axis >= 0 else self.axis + ndim
        if not 0 <= axis < ndim:
            raise ValueError(f"Invalid axis: {self.axis} for input of rank {ndim} (full input shape "
                             f"{tuple(input_shape)})")
        self._axis = axis
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {tuple(input_shape)}.")
        a = self._args
        self.input_spec = InputSpec(ndim=ndim, axes={axis: dim})
        if self.scale:
            self.gamma = self.add_weight(name="gamma", shape=(dim,), initializer=initializers.get(a["gamma_initializer"]),
                                         regularizer=_get(regularizers, a["gamma_regularizer"]),
                                         constraint=_get(constraints, a["gamma_constraint"]))
        if self.center:
            self.beta = self.add_weight(name="beta", shape=(dim,), initializer=initializers.get(a["beta_initializer"]),
                                        regularizer=_get(regularizers, a["beta_regularizer"]),
                                        constraint=_get(constraints, a["beta_constraint"]))
        self.moving_mean = self.add_weight(name="moving_mean", shape=(dim,), trainable=False,
                                           initializer=initializers.get(a["moving_mean_initializer"]))
        self.moving_variance = self.add_weight(name="moving_variance", shape=(dim,), trainable=False,
                                               initializer=initializers.get(a["moving_variance_initializer"]))
        self.built = True

    def _to_last(self, x):
        return x if self._axis == x.ndim - 1 else np.ascontiguousarray(np.moveaxis(x, self._axis, -1))

    def _from_last(self, y):
        return y if self._axis == y.ndim - 1 else np.ascontiguousarray(np.moveaxis(y, -1, self._axis))

    def call(self, inputs, training=False, mask=None):
        x = self._to_last(inputs)
        gamma = self.gamma.value if self.gamma is not None else None
        beta = self.beta.value if self.beta is not None else None
        if training and self.trainable:
            y, mean, var = ops.batch_norm_train(x, gamma, beta, self.epsilon)
            m = np.float32(self.momentum)
            self.moving_mean.value[...] = self.moving_mean.value * m + mean * (np.float32(1.0) - m)
            self.moving_variance.value[...] = self.moving_variance.value * m + var * (np.float32(1.0) - m)
            self._cache = ("train", x, mean, var)
        else:
            y = ops.batch_norm_inference(x, self.moving_mean.value, self.moving_variance.value, gamma, beta,
                                         self.epsilon)
            self._cache = ("inference", x, None, None)
        return self._from_last(y)

    def backward(self, grad):
        mode, x, mean, var = self._cache
        g = self._to_last(np.asarray(grad, np.float32))
        gamma = self.gamma.value if self.gamma is not None else None
        if mode == "train":
            dx, dgamma, dbeta = ops.batch_norm_backward(x, g, mean, var, gamma, self.epsilon)
        else:  # moving statistics are constants
            c = x.shape[-1]
            rstd = (1.0 / np.sqrt(self.moving_variance.value.astype(np.float64) + self.epsilon)).astype(np.float32)
            scale = rstd if gamma is None else rstd * gamma
            dx = (g * scale).astype(np.float32)
            g2 = g.reshape(-1, c)
            dbeta = g2.sum(axis=0, dtype=np.float32)
            dgamma = (g2 * ((x.reshape(-1, c) - self.moving_mean.value) * rstd)).sum(axis=0, dtype=np.float32)
        if self.trainable:
            if self.gamma is not None and self.gamma.trainable:
                self.gamma.grad += dgamma
            if self.beta is not None and self.beta.trainable:
                self.beta.grad += dbeta
        return self._from_last(dx)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        a = self._args
        config = {
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize(initializers, a["beta_initializer"]),
            "gamma_initializer": serialize(initializers, a["gamma_initializer"]),
            "moving_mean_initializer": serialize(initializers, a["moving_mean_initializer"]),
            "moving_variance_initializer": serialize(initializers, a["moving_variance_initializer"]),
            "beta_regularizer": serialize(regularizers, a["beta_regularizer"]),
            "gamma_regularizer": serialize(regularizers, a["gamma_regularizer"]),
            "beta_constraint": serialize(constraints, a["beta_constraint"]),
            "gamma_constraint": serialize(constraints, a["gamma_constraint"]),
            "synchronized": self.synchronized,
        }
        return {**super().get_config(), **config}
