"""GlobalMaxPooling1D/2D and GlobalAveragePooling1D/2D."""
import numpy as np

from kernn import ops
from kernn.layers.convolutional import _utils as U
from kernn.layers.layer import InputSpec, Layer


class BaseGlobalPooling(Layer):
    """Max or average over all spatial axes (private)."""

    def __init__(self, rank, mode, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.mode = mode
        self.data_format = U.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._x = None
        self._mask = None

    def call(self, inputs, training=False, mask=None):
        x = U.to_channels_last(inputs, self.data_format)
        self._x = x
        self._mask = None
        if mask is not None and self.mode == "average" and self.rank == 1:
            # Keras: a masked average over the unmasked steps
            m = np.asarray(mask, np.float32)[:, :, None]
            self._mask = m / np.maximum(m.sum(axis=1, keepdims=True), 1e-7)
            y = (x * self._mask).sum(axis=1, dtype=np.float32)
        else:
            y = ops.global_pool(x, self.mode)
        if self.keepdims:
            y = y.reshape((y.shape[0],) + (1,) * self.rank + (y.shape[1],))
            y = U.from_channels_last(y, self.data_format)
        return y

    def backward(self, grad):
        g = np.asarray(grad, np.float32)
        if self.keepdims:
            g = U.to_channels_last(g, self.data_format).reshape(g.shape[0], -1)
        if self._mask is not None:
            dx = (g[:, None, :] * self._mask).astype(np.float32)
        else:
            dx = ops.global_pool_backward(self._x, g, self.mode)
        return U.from_channels_last(dx, self.data_format)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        s = U.shape_to_channels_last(input_shape, self.data_format)
        if self.keepdims:
            return U.shape_from_channels_last((s[0],) + (1,) * self.rank + (s[-1],), self.data_format)
        return (s[0], s[-1])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


_DOC = """Global {kind} pooling operation for {what} data.

    Args:
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".
        keepdims: keep the spatial axes with length 1. Defaults to `False`.
{extra}
    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.{name}()(np.ones({example})).shape
    {result}
    """


class GlobalMaxPooling1D(BaseGlobalPooling):
    __doc__ = _DOC.format(kind="max", what="temporal", extra="", name="GlobalMaxPooling1D", example="(2, 5, 3)",
                          result="(2, 3)")

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, "max", data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(BaseGlobalPooling):
    __doc__ = _DOC.format(kind="average", what="temporal",
                          extra="\n    Call arguments:\n        mask: (batch, steps) booleans; masked steps are left out"
                                " of the average.\n", name="GlobalAveragePooling1D", example="(2, 5, 3)",
                          result="(2, 3)")

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, "average", data_format, keepdims, **kwargs)
        self.supports_masking = True


class GlobalMaxPooling2D(BaseGlobalPooling):
    __doc__ = _DOC.format(kind="max", what="spatial", extra="", name="GlobalMaxPooling2D", example="(2, 4, 5, 3)",
                          result="(2, 3)")

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, "max", data_format, keepdims, **kwargs)


class GlobalAveragePooling2D(BaseGlobalPooling):
    __doc__ = _DOC.format(kind="average", what="spatial", extra="", name="GlobalAveragePooling2D",
                          example="(2, 4, 5, 3)", result="(2, 3)")

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, "average", data_format, keepdims, **kwargs)
