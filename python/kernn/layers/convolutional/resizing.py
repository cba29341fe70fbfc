"""Spatial reshaping layers: ZeroPadding1D/2D, Cropping1D/2D, UpSampling1D/2D."""
import numpy as np

from kernn import ops
from kernn.layers.convolutional import _utils as U
from kernn.layers.layer import InputSpec, Layer


def _pairs(value, name, rank):
    """Keras's padding/cropping argument as `rank` (before, after) pairs of ints >= 0."""
    def bad():
        return ValueError(f"`{name}` should be either an int, a tuple of {rank} ints "
                          f"{'(symmetric_height_' + name + ', symmetric_width_' + name + ')' if rank == 2 else ''}"
                          f", or a tuple of {rank} tuples of 2 ints. Received: {name}={value}.")
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = ((int(value), int(value)),) * rank
    elif rank == 1 and isinstance(value, (tuple, list)) and len(value) == 2 and \
            all(isinstance(v, (int, np.integer)) for v in value):
        out = ((int(value[0]), int(value[1])),)
    elif isinstance(value, (tuple, list)) and len(value) == rank:
        items = []
        for v in value:
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                items.append((int(v), int(v)))
            elif isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(u, (int, np.integer)) for u in v):
                items.append((int(v[0]), int(v[1])))
            else:
                raise bad()
        out = tuple(items)
    else:
        raise bad()
    if any(a < 0 or b < 0 for a, b in out):
        raise ValueError(f"`{name}` values must be >= 0. Received: {name}={value}.")
    return out


class _Spatial(Layer):
    """Shared plumbing: rank, data_format, channels-last conversion of the spatial axes."""

    def __init__(self, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = U.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=rank + 2)
        self._in_shape = None

    def _to_last(self, x):
        return U.to_channels_last(x, self.data_format)

    def _from_last(self, y):
        return U.from_channels_last(y, self.data_format)


class _ZeroPadding(_Spatial):
    def call(self, inputs, training=False, mask=None):
        x = self._to_last(inputs)
        self._in_shape = x.shape
        return self._from_last(np.pad(x, ((0, 0),) + self.padding + ((0, 0),)))

    def backward(self, grad):
        g = self._to_last(np.asarray(grad, np.float32))
        idx = (slice(None),) + tuple(slice(a, a + n) for (a, _), n in zip(self.padding, self._in_shape[1:-1]))
        return self._from_last(np.ascontiguousarray(g[idx]))

    def compute_output_shape(self, input_shape):
        s = U.shape_to_channels_last(input_shape, self.data_format)
        spatial = tuple(None if n is None else n + a + b for n, (a, b) in zip(s[1:-1], self.padding))
        return U.shape_from_channels_last((s[0],) + spatial + (s[-1],), self.data_format)

    def get_config(self):
        pad = self.padding[0] if self.rank == 1 else self.padding
        return {**super().get_config(), "padding": pad, **({"data_format": self.data_format} if self.rank == 2 else {})}


class ZeroPadding1D(_ZeroPadding):
    """Zero-padding layer for 1D input (e.g. temporal sequence).

    Args:
        padding: int, or tuple of 2 ints (left, right) zeros added on the steps axis. Defaults to `1`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.ZeroPadding1D(2)(np.ones((1, 3, 2))).shape
    (1, 7, 2)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(1, data_format=data_format, **kwargs)
        self.padding = _pairs(padding, "padding", 1)


class ZeroPadding2D(_ZeroPadding):
    """Zero-padding layer for 2D input (e.g. picture).

    Args:
        padding: int, tuple of 2 ints (symmetric height and width padding), or tuple of 2
            tuples of 2 ints ((top, bottom), (left, right)). Defaults to `(1, 1)`.
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.ZeroPadding2D(((1, 0), (2, 3)))(np.ones((1, 4, 4, 1))).shape
    (1, 5, 9, 1)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, data_format=data_format, **kwargs)
        self.padding = _pairs(padding, "padding", 2)


class _Cropping(_Spatial):
    def call(self, inputs, training=False, mask=None):
        x = self._to_last(inputs)
        for n, (a, b) in zip(x.shape[1:-1], self.cropping):
            if a + b >= n:
                raise ValueError(f"`cropping` parameter of `{type(self).__name__}` layer must be smaller than the "
                                 f"input length. Received: inputs.shape={inputs.shape}, and "
                                 f"cropping={self.cropping}")
        self._in_shape = x.shape
        idx = (slice(None),) + tuple(slice(a, n - b) for n, (a, b) in zip(x.shape[1:-1], self.cropping))
        return self._from_last(np.ascontiguousarray(x[idx]))

    def backward(self, grad):
        g = self._to_last(np.asarray(grad, np.float32))
        return self._from_last(np.pad(g, ((0, 0),) + self.cropping + ((0, 0),)))

    def compute_output_shape(self, input_shape):
        s = U.shape_to_channels_last(input_shape, self.data_format)
        spatial = tuple(None if n is None else n - a - b for n, (a, b) in zip(s[1:-1], self.cropping))
        if any(v is not None and v <= 0 for v in spatial):
            raise ValueError(f"`cropping` parameter of `{type(self).__name__}` layer must be smaller than the input "
                             f"length. Received: input_shape={tuple(input_shape)}, and cropping={self.cropping}")
        return U.shape_from_channels_last((s[0],) + spatial + (s[-1],), self.data_format)

    def get_config(self):
        crop = self.cropping[0] if self.rank == 1 else self.cropping
        return {**super().get_config(), "cropping": crop,
                **({"data_format": self.data_format} if self.rank == 2 else {})}


class Cropping1D(_Cropping):
    """Cropping layer for 1D input: removes (start, end) steps.

    Args:
        cropping: int or tuple of 2 ints. Defaults to `(1, 1)`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Cropping1D((1, 2))(np.ones((1, 6, 2))).shape
    (1, 3, 2)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(1, **kwargs)
        self.cropping = _pairs(cropping, "cropping", 1)


class Cropping2D(_Cropping):
    """Cropping layer for 2D input (e.g. picture).

    Args:
        cropping: int, tuple of 2 ints, or ((top, bottom), (left, right)). Defaults to `((0, 0), (0, 0))`.
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.Cropping2D(((1, 0), (2, 1)))(np.ones((1, 5, 6, 1))).shape
    (1, 4, 3, 1)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, "cropping", 2)


class UpSampling1D(Layer):
    """Upsampling layer for 1D inputs: repeats each step `size` times.

    Args:
        size: int, the upsampling factor. Defaults to `2`.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.UpSampling1D(3)(np.ones((1, 2, 4))).shape
    (1, 6, 4)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = U.standardize_tuple(size, 1, "size")[0]
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs, training=False, mask=None):
        return np.repeat(inputs, self.size, axis=1)

    def backward(self, grad):
        n, t, c = grad.shape
        return grad.reshape(n, t // self.size, self.size, c).sum(axis=2, dtype=np.float32)

    def compute_output_shape(self, input_shape):
        t = input_shape[1]
        return (input_shape[0], None if t is None else t * self.size, input_shape[2])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


class UpSampling2D(_Spatial):
    """Upsampling layer for 2D inputs.

    Args:
        size: int or tuple of 2 ints, the factors for rows and columns. Defaults to `(2, 2)`.
        data_format: "channels_last" or "channels_first". Defaults to "channels_last".
        interpolation: "nearest" (repeat) or "bilinear" (half-pixel centres, as Keras).
            Defaults to "nearest".

    Example:
    >>> import numpy as np, kernn
    >>> kernn.layers.UpSampling2D((2, 3))(np.ones((1, 2, 2, 1))).shape
    (1, 4, 6, 1)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, data_format=data_format, **kwargs)
        self.size = U.standardize_tuple(size, 2, "size")
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"`interpolation` argument should be one of: 'bilinear', 'nearest'. "
                             f"Received: interpolation={interpolation}.")
        self.interpolation = interpolation

    def call(self, inputs, training=False, mask=None):
        return self._from_last(ops.upsampling2d(self._to_last(inputs), self.size, self.interpolation))

    def backward(self, grad):
        g = self._to_last(np.asarray(grad, np.float32))
        return self._from_last(ops.upsampling2d_backward(g, self.size, self.interpolation))

    def compute_output_shape(self, input_shape):
        s = U.shape_to_channels_last(input_shape, self.data_format)
        spatial = tuple(None if n is None else n * f for n, f in zip(s[1:3], self.size))
        return U.shape_from_channels_last((s[0],) + spatial + (s[-1],), self.data_format)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
