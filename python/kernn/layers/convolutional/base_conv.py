"""BaseConv: the N-D convolution layer (rank 1 and 2) behind Conv1D and Conv2D."""
import numpy as np

from kernn import constraints, initializers, regularizers
from kernn.layers._serial import serialize
from kernn.layers.convolutional import _utils as U
from kernn.layers.layer import InputSpec, Layer


class BaseConv(U.LogitsMixin, Layer):
    """Abstract N-D convolution layer (private): Conv1D is rank 1, Conv2D rank 2.

    The kernel has Keras's shape `kernel_size + (input_channels // groups, filters)`; the
    convolution runs on kernn's C++ kernels with the bias (and relu) fused into the output.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if isinstance(filters, float) and float(filters).is_integer():
            filters = int(filters)
        if filters is not None and (isinstance(filters, bool) or not isinstance(filters, (int, np.integer))):
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={filters}.")
        self.filters = filters
        if self.filters is not None and self.filters <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive value. "
                             f"Received filters={self.filters}.")
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"The number of groups must be a positive integer. Received: groups={groups}.")
        self.groups = int(groups)
        self.kernel_size = U.standardize_tuple(kernel_size, rank, "kernel_size", allow_zero=True)
        self.strides = U.standardize_tuple(strides, rank, "strides", allow_zero=True)
        self.dilation_rate = U.standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = U.standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = U.standardize_data_format(data_format)
        U.set_kernel_bias_args(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint)
        self.lora_rank = lora_rank
        self.input_spec = InputSpec(min_ndim=rank + 2)
        self._needs_input_grad = True
        self._x = self._z = self._y = None

        if self.filters is not None and self.filters % self.groups != 0:
            raise ValueError(f"The number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}.")
        if not all(self.kernel_size):
            raise ValueError(f"The argument `kernel_size` cannot contain 0. Received kernel_size={self.kernel_size}.")
        if not all(self.strides):
            raise ValueError(f"The argument `strides` cannot contains 0. Received strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                             f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    # ------------------------------------------------------------------ build
    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs should be defined. Received input_shape="
                             f"{tuple(input_shape)}")
        if channels % self.groups != 0:
            raise ValueError(f"The number of input channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, but the input has {channels} channels (full input "
                             f"shape is {tuple(input_shape)}).")
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.kernel = self.add_weight(name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    # ------------------------------------------------------------------ forward / backward
    def _kw(self):
        s = self.strides if self.rank == 2 else self.strides[0]
        d = self.dilation_rate if self.rank == 2 else self.dilation_rate[0]
        return dict(strides=s, padding=self.padding, dilation_rate=d, groups=self.groups)

    def call(self, inputs, training=False, mask=None):
        self._check_input(inputs)
        return super().call(inputs, training=training, mask=mask)

    def _check_input(self, x):
        if x.ndim != self.rank + 2:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim={self.rank + 2}, found ndim={x.ndim}. Full shape received: {x.shape}")

    def compute_output_shape(self, input_shape):
        shape = U.shape_to_channels_last(input_shape, self.data_format)
        spatial = tuple(U.conv_output_length(n, k, self.padding, s, d) for n, k, s, d in
                        zip(shape[1:-1], self.kernel_size, self.strides, self.dilation_rate))
        if any(v is not None and v <= 0 for v in spatial):
            raise ValueError(f"Computed output size would be negative. Received `inputs shape={tuple(input_shape)}`, "
                             f"`kernel shape={self.kernel_size + (shape[-1], self.filters)}`, "
                             f"`dilation_rate={self.dilation_rate}`.")
        return U.shape_from_channels_last((shape[0],) + spatial + (self.filters,), self.data_format)

    def get_config(self):
        config = {
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": U.activation_name(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize(initializers, self._args["kernel_initializer"]),
            "bias_initializer": serialize(initializers, self._args["bias_initializer"]),
            "kernel_regularizer": serialize(regularizers, self._args["kernel_regularizer"]),
            "bias_regularizer": serialize(regularizers, self._args["bias_regularizer"]),
            "kernel_constraint": serialize(constraints, self._args["kernel_constraint"]),
            "bias_constraint": serialize(constraints, self._args["bias_constraint"]),
        }
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
        return {**super().get_config(), **config}
