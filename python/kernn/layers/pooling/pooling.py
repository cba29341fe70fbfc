"""MaxPooling1D/2D and AveragePooling1D/2D on kernn's pooling kernels."""
import numpy as np

from kernn import ops
from kernn.layers.convolutional import _utils as U
from kernn.layers.layer import InputSpec, Layer


class BasePooling(Layer):
    """Max or average pooling over `rank` spatial axes (private)."""

    def __init__(self, rank, mode, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.mode = mode
        self.pool_size = U.standardize_tuple(pool_size, rank, "pool_size")
        self.strides = self.pool_size if strides is None else U.standardize_tuple(strides, rank, "strides")
        self.padding = U.standardize_padding(padding)
        self.data_format = U.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._x = None

    def _args(self):
        if self.rank == 2:
            return self.pool_size, self.strides
        return self.pool_size[0], self.strides[0]

    def call(self, inputs, training=False, mask=None):
        x = U.to_channels_last(inputs, self.data_format)
        self._x = x
        pool, strides = self._args()
        fn = ops.pool2d if self.rank == 2 else ops.pool1d
        return U.from_channels_last(fn(x, pool, strides, self.padding, self.mode), self.data_format)

    def backward(self, grad):
        g = U.to_channels_last(np.asarray(grad, np.float32), self.data_format)
        pool, strides = self._args()
        fn = ops.pool2d_backward if self.rank == 2 else ops.pool1d_backward
        return U.from_channels_last(fn(self._x, g, pool, strides, self.padding, self.mode), self.data_format)

    def compute_output_shape(self, input_shape):
        s = U.shape_to_channels_last(input_shape, self.data_format)
        spatial = tuple(U.conv_output_length(n, p, self.padding, st) for n, p, st in
                        zip(s[1:-1], self.pool_size, self.strides))
        if any(v is not None and v <= 0 for v in spatial):
            raise ValueError(f"Computed output size would be negative. Received: inputs.shape={tuple(input_shape)} "
                             f"and pool_size={self.pool_size}.")
        return U.shape_from_channels_last((s[0],) + spatial + (s[-1],), self.data_format)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


_DOC = """{kind} pooling operation for {rank}D {what} data.

    Args:
        pool_size: int or tuple of {rank} ints, the window size. Defaults to `{default}`.
        strides: int or tuple of {rank} ints, or `None` for `pool_size`. Defaults to `None`.
        padding: "valid" or "same" (output `ceil(input / strides)`; padded cells are ignored{avg}).
            Defaults to "valid".
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.{name}()(np.ones({example})).shape
    {result}
    """


class MaxPooling2D(BasePooling):
    __doc__ = _DOC.format(kind="Max", rank=2, what="spatial", default="(2, 2)", avg="", name="MaxPooling2D",
                          example="(1, 5, 5, 3)", result="(1, 2, 2, 3)")

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(2, "max", pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling2D(BasePooling):
    __doc__ = _DOC.format(kind="Average", rank=2, what="spatial", default="(2, 2)",
                          avg=": the average is over the cells inside the input", name="AveragePooling2D",
                          example="(1, 5, 5, 3)", result="(1, 2, 2, 3)")

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(2, "average", pool_size, strides, padding, data_format, name=name, **kwargs)


class MaxPooling1D(BasePooling):
    __doc__ = _DOC.format(kind="Max", rank=1, what="temporal", default="2", avg="", name="MaxPooling1D",
                          example="(1, 5, 3)", result="(1, 2, 3)")

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(1, "max", pool_size, strides, padding, data_format, name=name, **kwargs)


class AveragePooling1D(BasePooling):
    __doc__ = _DOC.format(kind="Average", rank=1, what="temporal", default="2",
                          avg=": the average is over the cells inside the input", name="AveragePooling1D",
                          example="(1, 5, 3)", result="(1, 2, 3)")

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None, **kwargs):
        super().__init__(1, "average", pool_size, strides, padding, data_format, name=name, **kwargs)
