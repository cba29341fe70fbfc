"""Activation layers: Activation, ReLU, LeakyReLU, ELU, Softmax."""
import numpy as np

from kernn import activations, ops
from kernn.layers.dense import activation_name
from kernn.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function to an output.

    Args:
        activation: activation function or name, e.g. "relu" or `kernn.activations.relu`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Activation("relu")(np.array([[-1.0, 2.0]])).tolist()
    [[0.0, 2.0]]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)
        self._act_name = activation_name(self.activation)
        self._x = self._y = None

    def call(self, inputs, training=False, mask=None):
        self._x = inputs
        self._y = self.activation(inputs)
        return self._y

    def backward(self, grad):
        if self._act_name == "linear":
            return grad
        return activations.backward(self.activation, self._x, self._y, grad)

    def _output_activation(self):
        return self._act_name

    def _logits(self):
        return self._x

    def backward_logits(self, g, out_shape=None):
        """Backward from dL/d(input) computed by a loss fused with this activation."""
        return g

    def get_config(self):
        return {**super().get_config(), "activation": activation_name(self.activation)}


class ReLU(Layer):
    """Rectified Linear Unit activation layer.

    `f(x) = max_value` for `x >= max_value`, `x` for `threshold <= x < max_value`,
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: float >= 0, the largest output. Defaults to `None` (unlimited).
        negative_slope: float >= 0, slope below the threshold. Defaults to `0.0`.
        threshold: float >= 0, where the activation starts. Defaults to `0.0`.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError(f"max_value of a ReLU layer cannot be a negative value. Received: max_value={max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative value. Received: "
                             f"negative_slope={negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError(f"threshold of a ReLU layer cannot be a negative value. Received: threshold={threshold}")
        self.supports_masking = True
        self.max_value = None if max_value is None else float(max_value)
        self.negative_slope = float(negative_slope)
        self.threshold = float(threshold)
        self._x = None

    def _params(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value, "threshold": self.threshold}

    def call(self, inputs, training=False, mask=None):
        self._x = inputs
        return ops.activation(inputs, "relu", **self._params())

    def backward(self, grad):
        return ops.activation_grad(self._x, None, grad, "relu", **self._params())

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(Layer):
    """Leaky version of a Rectified Linear Unit: `x` for `x >= 0`, `negative_slope * x` otherwise.

    Args:
        negative_slope: float >= 0, the slope for negative inputs. Defaults to `0.3`.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # the Keras 2 name of the argument
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or negative value. "
                             f"Expected a float. Received: negative_slope={negative_slope}")
        self.supports_masking = True
        self.negative_slope = float(negative_slope)
        self._x = None

    def call(self, inputs, training=False, mask=None):
        self._x = inputs
        return ops.activation(inputs, "leaky_relu", negative_slope=self.negative_slope)

    def backward(self, grad):
        return ops.activation_grad(self._x, None, grad, "leaky_relu", negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(Layer):
    """Exponential Linear Unit: `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: float, the scale of the negative part. Defaults to `1.0`.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha = float(alpha)
        self._x = None

    def call(self, inputs, training=False, mask=None):
        self._x = inputs
        return ops.activation(inputs, "elu", alpha=self.alpha)

    def backward(self, grad):
        return ops.activation_grad(self._x, None, grad, "elu", alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """Softmax activation layer: `exp(x) / sum(exp(x))` along `axis`.

    Args:
        axis: integer, or tuple of integers, the axis along which the softmax is applied.
            Defaults to `-1`.

    Call arguments:
        inputs: the input array.
        mask: optional boolean array, `True` for the positions to keep. Defaults to `None`.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis
        self._y = None
        self._mask = None

    def _axes(self, ndim):
        axes = self.axis if isinstance(self.axis, (tuple, list)) else (self.axis,)
        return tuple(sorted(a % ndim for a in axes))

    def call(self, inputs, training=False, mask=None):
        x = inputs
        self._x = inputs
        self._mask = None
        if mask is not None:
            m = np.asarray(mask).astype(np.float32)
            self._mask = m
            x = x + (1.0 - m) * np.float32(-1e9)
        axes = self._axes(x.ndim)
        if axes == (x.ndim - 1,):
            y = ops.softmax(x)
        else:
            e = np.exp(x - np.max(x, axis=axes, keepdims=True))
            y = (e / np.sum(e, axis=axes, keepdims=True)).astype(np.float32)
        if self._mask is not None:
            y = y * self._mask
        self._y = y
        return y

    def backward(self, grad):
        y = self._y
        axes = self._axes(y.ndim)
        if self._mask is not None:
            grad = grad * self._mask
        if axes == (y.ndim - 1,):
            return ops.softmax_grad(y, np.ascontiguousarray(grad, dtype=np.float32))
        return (y * (grad - np.sum(grad * y, axis=axes, keepdims=True))).astype(np.float32)

    def _output_activation(self):
        return "softmax" if self._axes(2) == (1,) and self.axis in (-1, (-1,), [-1]) else None

    def _logits(self):
        return self._x

    def backward_logits(self, g, out_shape=None):
        return g

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
