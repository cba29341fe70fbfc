"""Conv1D: 1-D convolution over (batch, steps, channels)."""
from kernn.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1D convolution layer (e.g. temporal convolution).

    Args:
        filters: int, the number of output channels.
        kernel_size: int or tuple of 1 int, the window length.
        strides: int or tuple of 1 int. Defaults to `1`.
        padding: "valid", "same" or "causal" (all padding on the left, so output t sees
            inputs up to t). Defaults to "valid".
        data_format: "channels_last" (batch, steps, features) or "channels_first".
            Defaults to "channels_last".
        dilation_rate: int or tuple of 1 int. Defaults to `1`.
        groups: input channels and filters are split into this many groups. Defaults to `1`.
        activation: activation function or name. Defaults to `None`.
        use_bias: whether to add a bias. Defaults to `True`.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: as Dense.

    Input shape:
        3-D `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.

    Output shape:
        3-D `(batch, new_steps, filters)` (channels_last).

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3))).shape
    (2, 10, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                         bias_constraint=bias_constraint, **kwargs)
