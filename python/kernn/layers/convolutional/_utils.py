"""Argument checks and shape arithmetic shared by the convolution, pooling and resizing layers."""
import numpy as np

from kernn import activations
from kernn.layers.dense import activation_name  # noqa: F401 - re-exported for the conv layers


def standardize_tuple(value, n, name, allow_zero=False):
    """Keras's standardize_tuple: an int or n ints, each positive (or >= 0 with allow_zero)."""
    error = (f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}")
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value),) * n
    else:
        try:
            out = tuple(value)
        except TypeError:
            raise ValueError(error) from None
        if len(out) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in out):
            raise ValueError(error)
        out = tuple(int(v) for v in out)
    lo = 0 if allow_zero else 1
    if any(v < lo for v in out):
        req = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers {req}. Received {name}={value}, "
                         f"including values that do not satisfy `value {req}`")
    return out


def standardize_padding(value, allow_causal=False):
    if not isinstance(value, str):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same'"
                         f"{', causal' if allow_causal else ''}. Received: padding={value}")
    padding = value.lower()
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if padding not in allowed:
        raise ValueError(f"The `padding` argument must be a list/tuple or one of {allowed}. Received: {value}")
    return padding


def standardize_data_format(value):
    value = "channels_last" if value is None else str(value).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
                         f"Received: data_format={value}")
    return value


def conv_output_length(length, kernel, padding, stride, dilation=1):
    """Keras's output length of one axis (None stays None)."""
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding == "valid":
        return max((length - span) // stride + 1, 0)
    return -(-length // stride)  # same, causal


def deconv_output_length(length, kernel, padding, output_padding, stride, dilation=1):
    """Keras's output length of one axis of a transposed convolution."""
    if length is None:
        return None
    span = (kernel - 1) * dilation + 1
    if output_padding is None:
        return length * stride if padding == "same" else length * stride + max(span - stride, 0)
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding


def to_channels_last(x, data_format):
    return np.ascontiguousarray(np.moveaxis(x, 1, -1)) if data_format == "channels_first" else x


def from_channels_last(y, data_format):
    return np.ascontiguousarray(np.moveaxis(y, -1, 1)) if data_format == "channels_first" else y


def shape_to_channels_last(shape, data_format):
    shape = tuple(shape)
    return (shape[0],) + shape[2:] + (shape[1],) if data_format == "channels_first" else shape


def shape_from_channels_last(shape, data_format):
    shape = tuple(shape)
    return (shape[0], shape[-1]) + shape[1:-1] if data_format == "channels_first" else shape


FUSABLE = ("relu", "sigmoid", "tanh")


def activation_forward(layer, fused_call, name, training):
    """Run a kernel with the activation fused when its gradient can come from the output
    (relu) or no backward follows; otherwise run linear and apply the activation after.
    Sets layer._z (pre-activation or None) and returns the output."""
    if name == "linear":
        layer._z = None
        return fused_call(None)
    keep = getattr(layer, "_keep_logits", False)  # the trainer fuses this activation into the loss
    if not keep and (name == "relu" or (name in FUSABLE and not training)):
        layer._z = None
        return fused_call(name)
    z = fused_call(None)
    layer._z = z
    return layer.activation(z)


def activation_backward(layer, name, y, grad):
    if name == "linear":
        return grad
    z = layer._z
    if z is None:  # fused relu: its gradient is read from the output
        return activations.backward(layer.activation, y, y, grad)
    return activations.backward(layer.activation, z, y, grad)


def set_kernel_bias_args(layer, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, kernel_constraint, bias_constraint):
    """The kernel-and-bias arguments every convolution layer takes, resolved as Keras does."""
    from kernn import activations, constraints, initializers, regularizers
    layer.activation = activations.get(activation)
    layer._act_name = activation_name(layer.activation)
    layer.use_bias = bool(use_bias)
    layer.kernel_initializer = initializers.get(kernel_initializer)
    layer.bias_initializer = initializers.get(bias_initializer)
    layer.kernel_regularizer = regularizers.get(kernel_regularizer)
    layer.bias_regularizer = regularizers.get(bias_regularizer)
    layer.kernel_constraint = constraints.get(kernel_constraint)
    layer.bias_constraint = constraints.get(bias_constraint)
    layer._args = dict(kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                       kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                       kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)


class LogitsMixin:
    """Forward/backward of a kernel-and-bias convolution layer, and the trainer's fused-loss
    hooks (as Dense has them): the pre-activation output and the backward pass from its
    gradient. A subclass names its kernels in `_forward_ops` / `_backward_ops` (attribute
    names in kernn.ops, indexed by rank - 1) and provides `_kw()`, `rank`, `kernel`, `bias`,
    `data_format`, `_act_name` and `_needs_input_grad`."""

    _keep_logits = False
    _forward_ops = ("conv1d", "conv2d")
    _backward_ops = ("conv1d_backward", "conv2d_backward")

    def call(self, inputs, training=False, mask=None):
        from kernn import ops
        x = to_channels_last(inputs, self.data_format)
        self._x = x
        fn = getattr(ops, self._forward_ops[self.rank - 1])
        bias = self.bias.value if self.bias is not None else None
        y = activation_forward(self, lambda act: fn(x, self.kernel.value, bias, activation=act, **self._kw()),
                               self._act_name, training)
        self._y = y
        return from_channels_last(y, self.data_format)

    def backward(self, grad):
        g = to_channels_last(np.asarray(grad, np.float32), self.data_format)
        return self._backward_linear(activation_backward(self, self._act_name, self._y, g))

    def _backward_linear(self, g):
        from kernn import ops
        back = getattr(ops, self._backward_ops[self.rank - 1])
        need_w = self.trainable and self.kernel.trainable
        if not need_w and not self._needs_input_grad:
            return None
        dx, dk, db = back(self._x, self.kernel.value, g, use_bias=self.bias is not None,
                          need_input_grad=self._needs_input_grad, **self._kw())
        if need_w:
            self.kernel.grad += dk
            if self.bias is not None:
                self.bias.grad += db
        return None if dx is None else from_channels_last(dx, self.data_format)

    def _output_activation(self):
        return self._act_name

    def _logits(self):
        z = self._z if self._z is not None else self._y
        return from_channels_last(z, self.data_format)

    def backward_logits(self, g, out_shape=None):
        g = to_channels_last(np.asarray(g, np.float32).reshape(self._y.shape if self.data_format == "channels_last"
                                                                 else shape_from_channels_last(self._y.shape,
                                                                                               self.data_format)),
                             self.data_format)
        return self._backward_linear(g)
