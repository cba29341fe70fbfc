"""Conv2D: 2-D convolution over (batch, height, width, channels)."""
from kernn.layers.convolutional.base_conv import BaseConv


class Conv2D(BaseConv):
    """2D convolution layer.

    `activation(conv2d(inputs, kernel) + bias)` on kernn's C++ kernels (an indirect GEMM
    with the bias and relu fused; depthwise-shaped groups use a direct SIMD kernel).

    Args:
        filters: int, the number of output channels.
        kernel_size: int or tuple of 2 ints, the window height and width.
        strides: int or tuple of 2 ints. `strides > 1` is incompatible with
            `dilation_rate > 1`. Defaults to `1`.
        padding: "valid" or "same" (output `ceil(input / strides)`, zeros split evenly with the
            extra one after). Defaults to "valid".
        data_format: "channels_last" `(batch, height, width, channels)` or "channels_first".
            Defaults to "channels_last".
        dilation_rate: int or tuple of 2 ints. Defaults to `1`.
        groups: input channels and filters are split into this many groups. Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        kernel_initializer: Defaults to "glorot_uniform".
        bias_initializer: Defaults to "zeros".
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: Defaults to `None`.

    Input shape:
        4-D `(batch, height, width, channels)` (channels_last) or `(batch, channels, height, width)`.

    Output shape:
        4-D `(batch, new_height, new_width, filters)` (channels_last).

    Raises:
        ValueError: invalid arguments, or input channels not divisible by `groups`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Conv2D(2, 3, activation="relu")(np.ones((4, 10, 10, 128))).shape
    (4, 8, 8, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
