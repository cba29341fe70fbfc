"""DepthwiseConv2D and SeparableConv2D."""
import numpy as np

from kernn import activations, constraints, initializers, ops, regularizers
from kernn.layers._serial import serialize
from kernn.layers.convolutional import _utils as U
from kernn.layers.layer import InputSpec, Layer


def _get(module, value):
    return None if value is None else module.get(value)


class DepthwiseConv2D(Layer):
    """2D depthwise convolution layer: each input channel convolved with its own
    `depth_multiplier` filters; output channel `c * depth_multiplier + j`.

    Args:
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints. Defaults to `1`.
        padding: "valid" or "same". Defaults to "valid".
        depth_multiplier: output channels per input channel. Defaults to `1`.
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".
        dilation_rate: int or tuple of 2 ints. Defaults to `1`.
        activation: Defaults to `None`.
        use_bias: Defaults to `True`.
        depthwise_initializer: Defaults to "glorot_uniform".
        bias_initializer: Defaults to "zeros".
        depthwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
        bias_constraint: Defaults to `None`.

    Weights: kernel `(kh, kw, in_channels, depth_multiplier)`, bias `(in_channels * depth_multiplier,)`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.DepthwiseConv2D(3, depth_multiplier=2)(np.ones((1, 5, 5, 4))).shape
    (1, 3, 3, 8)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, (int, np.integer)) \
                or depth_multiplier <= 0:
            raise ValueError(f"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
                             f"Received depth_multiplier={depth_multiplier}.")
        self.depth_multiplier = int(depth_multiplier)
        self.kernel_size = U.standardize_tuple(kernel_size, 2, "kernel_size", allow_zero=True)
        self.strides = U.standardize_tuple(strides, 2, "strides", allow_zero=True)
        self.dilation_rate = U.standardize_tuple(dilation_rate, 2, "dilation_rate")
        self.padding = U.standardize_padding(padding)
        self.data_format = U.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self._act_name = U.activation_name(self.activation)
        self.use_bias = bool(use_bias)
        self._args = dict(depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                          depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                          depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.input_spec = InputSpec(ndim=4)
        self._needs_input_grad = True
        self._x = self._z = self._y = None
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0. Received strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    def build(self, input_shape):
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs should be defined. Received input_shape="
                             f"{tuple(input_shape)}")
        self.input_spec = InputSpec(ndim=4, axes={axis: channels})
        a = self._args
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=_get(regularizers, a["depthwise_regularizer"]),
                                      constraint=_get(constraints, a["depthwise_constraint"]))
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer,
                                        regularizer=_get(regularizers, a["bias_regularizer"]),
                                        constraint=_get(constraints, a["bias_constraint"]))
        self.built = True

    def _kw(self):
        return dict(strides=self.strides, padding=self.padding, dilation_rate=self.dilation_rate)

    def call(self, inputs, training=False, mask=None):
        x = U.to_channels_last(inputs, self.data_format)
        self._x = x
        bias = self.bias.value if self.bias is not None else None
        y = U.activation_forward(
            self, lambda act: ops.depthwise_conv2d(x, self.kernel.value, bias, activation=act, **self._kw()),
            self._act_name, training)
        self._y = y
        return U.from_channels_last(y, self.data_format)

    def backward(self, grad):
        g = U.to_channels_last(np.asarray(grad, np.float32), self.data_format)
        g = U.activation_backward(self, self._act_name, self._y, g)
        dx, dk, db = ops.depthwise_conv2d_backward(self._x, self.kernel.value, g, use_bias=self.bias is not None,
                                                   need_input_grad=self._needs_input_grad, **self._kw())
        if self.trainable and self.kernel.trainable:
            self.kernel.grad += dk
            if self.bias is not None:
                self.bias.grad += db
        return None if dx is None else U.from_channels_last(dx, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = U.shape_to_channels_last(input_shape, self.data_format)
        spatial = tuple(U.conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                        zip(shape[1:3], self.kernel_size, self.strides, self.dilation_rate))
        c = None if shape[-1] is None else shape[-1] * self.depth_multiplier
        return U.shape_from_channels_last((shape[0],) + spatial + (c,), self.data_format)

    def get_config(self):
        a = self._args
        config = {
            "kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
            "depth_multiplier": self.depth_multiplier, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate, "activation": U.activation_name(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": serialize(initializers, a["depthwise_initializer"]),
            "bias_initializer": serialize(initializers, a["bias_initializer"]),
            "depthwise_regularizer": serialize(regularizers, a["depthwise_regularizer"]),
            "bias_regularizer": serialize(regularizers, a["bias_regularizer"]),
            "depthwise_constraint": serialize(constraints, a["depthwise_constraint"]),
            "bias_constraint": serialize(constraints, a["bias_constraint"]),
        }
        return {**super().get_config(), **config}


class SeparableConv2D(Layer):
    """2D separable convolution: a depthwise convolution, then a 1x1 (pointwise) one.

    Args:
        filters: int, output channels of the pointwise step.
        kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier: of the
            depthwise step, as DepthwiseConv2D.
        activation, use_bias: applied after the pointwise step.
        depthwise_initializer, pointwise_initializer: Defaults to "glorot_uniform".
        bias_initializer: Defaults to "zeros".
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, pointwise_constraint, bias_constraint: Defaults to `None`.

    Weights (Keras's order): depthwise_kernel `(kh, kw, in, depth_multiplier)`, pointwise_kernel
    `(1, 1, in * depth_multiplier, filters)`, bias `(filters,)`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.SeparableConv2D(6, 3, padding="same")(np.ones((1, 5, 5, 4))).shape
    (1, 5, 5, 6)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        if isinstance(depth_multiplier, bool) or not isinstance(depth_multiplier, (int, np.integer)) \
                or depth_multiplier <= 0:
            raise ValueError(f"Invalid value for argument `depth_multiplier`. Expected a strictly positive value. "
                             f"Received depth_multiplier={depth_multiplier}.")
        self.filters = int(filters)
        self.depth_multiplier = int(depth_multiplier)
        self.kernel_size = U.standardize_tuple(kernel_size, 2, "kernel_size", allow_zero=True)
        self.strides = U.standardize_tuple(strides, 2, "strides", allow_zero=True)
        self.dilation_rate = U.standardize_tuple(dilation_rate, 2, "dilation_rate")
        self.padding = U.standardize_padding(padding)
        self.data_format = U.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self._act_name = U.activation_name(self.activation)
        self.use_bias = bool(use_bias)
        self._args = dict(depthwise_initializer=depthwise_initializer, pointwise_initializer=pointwise_initializer,
                          bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                          pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
                          depthwise_constraint=depthwise_constraint, pointwise_constraint=pointwise_constraint,
                          bias_constraint=bias_constraint)
        self.input_spec = InputSpec(ndim=4)
        self._needs_input_grad = True
        self._x = self._mid = self._z = self._y = None
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0. Received strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    def build(self, input_shape):
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs should be defined. Received input_shape="
                             f"{tuple(input_shape)}")
        self.input_spec = InputSpec(ndim=4, axes={axis: channels})
        a = self._args
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=initializers.get(a["depthwise_initializer"]),
            regularizer=_get(regularizers, a["depthwise_regularizer"]),
            constraint=_get(constraints, a["depthwise_constraint"]))
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel", shape=(1, 1, channels * self.depth_multiplier, self.filters),
            initializer=initializers.get(a["pointwise_initializer"]),
            regularizer=_get(regularizers, a["pointwise_regularizer"]),
            constraint=_get(constraints, a["pointwise_constraint"]))
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                        initializer=initializers.get(a["bias_initializer"]),
                                        regularizer=_get(regularizers, a["bias_regularizer"]),
                                        constraint=_get(constraints, a["bias_constraint"]))
        self.built = True

    def _kw(self):
        return dict(strides=self.strides, padding=self.padding, dilation_rate=self.dilation_rate)

    def call(self, inputs, training=False, mask=None):
        x = U.to_channels_last(inputs, self.data_format)
        self._x = x
        mid = ops.depthwise_conv2d(x, self.depthwise_kernel.value, None, **self._kw())
        self._mid = mid
        bias = self.bias.value if self.bias is not None else None
        y = U.activation_forward(self, lambda act: ops.conv2d(mid, self.pointwise_kernel.value, bias, activation=act),
                                 self._act_name, training)
        self._y = y
        return U.from_channels_last(y, self.data_format)

    def backward(self, grad):
        g = U.to_channels_last(np.asarray(grad, np.float32), self.data_format)
        g = U.activation_backward(self, self._act_name, self._y, g)
        train = self.trainable
        dmid, dpk, db = ops.conv2d_backward(self._mid, self.pointwise_kernel.value, g, use_bias=self.bias is not None)
        dx, ddk, _ = ops.depthwise_conv2d_backward(self._x, self.depthwise_kernel.value, dmid, use_bias=False,
                                                   need_input_grad=self._needs_input_grad, **self._kw())
        if train:
            if self.depthwise_kernel.trainable:
                self.depthwise_kernel.grad += ddk
            if self.pointwise_kernel.trainable:
                self.pointwise_kernel.grad += dpk
            if self.bias is not None and self.bias.trainable:
                self.bias.grad += db
        return None if dx is None else U.from_channels_last(dx, self.data_format)

    def compute_output_shape(self, input_shape):
        shape = U.shape_to_channels_last(input_shape, self.data_format)
        spatial = tuple(U.conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                        zip(shape[1:3], self.kernel_size, self.strides, self.dilation_rate))
        return U.shape_from_channels_last((shape[0],) + spatial + (self.filters,), self.data_format)

    def get_config(self):
        a = self._args
        config = {
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "depth_multiplier": self.depth_multiplier, "activation": U.activation_name(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": serialize(initializers, a["depthwise_initializer"]),
            "pointwise_initializer": serialize(initializers, a["pointwise_initializer"]),
            "bias_initializer": serialize(initializers, a["bias_initializer"]),
            "depthwise_regularizer": serialize(regularizers, a["depthwise_regularizer"]),
            "pointwise_regularizer": serialize(regularizers, a["pointwise_regularizer"]),
            "bias_regularizer": serialize(regularizers, a["bias_regularizer"]),
            "depthwise_constraint": serialize(constraints, a["depthwise_constraint"]),
            "pointwise_constraint": serialize(constraints, a["pointwise_constraint"]),
            "bias_constraint": serialize(constraints, a["bias_constraint"]),
        }
        return {**super().get_config(), **config}
