"""Conv1DTranspose and Conv2DTranspose: transposed convolutions (the gradient of a convolution)."""
import numpy as np

from kernn import constraints, initializers, regularizers
from kernn.layers._serial import serialize
from kernn.layers.convolutional import _utils as U
from kernn.layers.layer import InputSpec, Layer


class BaseConvTranspose(U.LogitsMixin, Layer):
    _forward_ops = ("conv1d_transpose", "conv2d_transpose")
    _backward_ops = ("conv1d_transpose_backward", "conv2d_transpose_backward")
    """Abstract N-D transposed convolution (private). Kernel `kernel_size + (filters, in_channels)`."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        self.filters = int(filters)
        self.kernel_size = U.standardize_tuple(kernel_size, rank, "kernel_size", allow_zero=True)
        self.strides = U.standardize_tuple(strides, rank, "strides", allow_zero=True)
        self.dilation_rate = U.standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = U.standardize_padding(padding)
        self.output_padding = (None if output_padding is None else
                               U.standardize_tuple(output_padding, rank, "output_padding", allow_zero=True))
        self.data_format = U.standardize_data_format(data_format)
        U.set_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._needs_input_grad = True
        self._x = self._z = self._y = None
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0. Received strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        if self.output_padding is not None:
            for op, s in zip(self.output_padding, self.strides):
                if op >= s:
                    raise ValueError(f"Strides {self.strides} must be greater than output padding "
                                     f"{self.output_padding}.")

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs should be defined. Received input_shape="
                             f"{tuple(input_shape)}")
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _kw(self):
        if self.rank == 2:
            return dict(strides=self.strides, padding=self.padding, output_padding=self.output_padding,
                        dilation_rate=self.dilation_rate)
        return dict(strides=self.strides[0], padding=self.padding,
                    output_padding=None if self.output_padding is None else self.output_padding[0],
                    dilation_rate=self.dilation_rate[0])

    def compute_output_shape(self, input_shape):
        shape = U.shape_to_channels_last(input_shape, self.data_format)
        ops_ = self.output_padding or (None,) * self.rank
        spatial = tuple(U.deconv_output_length(n, k, self.padding, op, s, d) for n, k, op, s, d in
                        zip(shape[1:-1], self.kernel_size, ops_, self.strides, self.dilation_rate))
        return U.shape_from_channels_last((shape[0],) + spatial + (self.filters,), self.data_format)

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": U.activation_name(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(initializers, self._args["kernel_initializer"]),
            "bias_initializer": serialize(initializers, self._args["bias_initializer"]),
            "kernel_regularizer": serialize(regularizers, self._args["kernel_regularizer"]),
            "bias_regularizer": serialize(regularizers, self._args["bias_regularizer"]),
            "kernel_constraint": serialize(constraints, self._args["kernel_constraint"]),
            "bias_constraint": serialize(constraints, self._args["bias_constraint"]),
        }
        return {**super().get_config(), **config}


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution layer (sometimes called deconvolution).

    The gradient of a Conv2D with respect to its input, as a layer: each input pixel scatters
    `kernel[:, :, :, c] * x[..., c]` over a `kernel_size` window of the output, windows
    `strides` apart. Kernel `(kh, kw, filters, in_channels)` as Keras.

    Args:
        filters: int, the number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints. Defaults to `1`.
        padding: "valid" or "same". Without output_padding, "same" gives `input * strides`
            and "valid" `input * strides + max(kernel_size - strides, 0)`. Defaults to "valid".
        output_padding: int or tuple of 2 ints (each < strides) added to the output size, or
            `None` to infer it. Defaults to `None`.
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".
        dilation_rate: int or tuple of 2 ints. Defaults to `1`.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as Conv2D.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Conv2DTranspose(8, 3, strides=2, padding="same")(np.ones((1, 7, 7, 4))).shape
    (1, 14, 14, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution layer; kernel `(kernel_size, filters, in_channels)`.

    Arguments as Conv2DTranspose with one spatial axis.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Conv1DTranspose(4, 3, strides=2, padding="same")(np.ones((2, 5, 3))).shape
    (2, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
