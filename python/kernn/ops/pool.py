"""Pooling kernels: kernn.ops.max_pool1d/2d, average_pool1d/2d, global pools, and backward.

Tensors are channels_last. "same" padding follows Keras: output ceil(in / stride), the extra
padding after; padded cells are ignored (average divides by the cells inside the input).
"""
import numpy as np

from kernn import _core
from kernn.ops._common import as_float32
from kernn.ops.conv import _c, _fits, _padding, _rank, _tuple

_MODES = {"max": 0, "average": 1}


def _geometry(fn, x, pool_size, strides, padding):
    _rank(x, 4, "x", fn, "(batch, height, width, channels)")
    ph, pw = _tuple(pool_size, 2, "pool_size", fn)
    sh, sw = (ph, pw) if strides is None else _tuple(strides, 2, "strides", fn)
    _fits(fn, x.shape[1:3], (ph, pw), (sh, sw), (1, 1), "pool_size")
    return _core.pool_geometry(*x.shape, ph, pw, sh, sw, _padding(padding, fn))


def pool2d(x, pool_size, strides=None, padding="valid", mode="max"):
    """Max or average pooling of (batch, h, w, c). strides default to pool_size (Keras)."""
    fn = f"{mode}_pool2d"
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"pool2d: mode must be 'max' or 'average'. Received: mode={mode!r}")
    x = as_float32(x, "x", fn)
    g = _geometry(fn, x, pool_size, strides, padding)
    y = np.empty((g[0], g[4], g[5], g[3]), np.float32)
    _core.pool2d_forward(g, _MODES[mode], _c(x), y)
    return y


def pool2d_backward(x, grad, pool_size, strides=None, padding="valid", mode="max"):
    """Gradient of `pool2d` with respect to x: max routes to the first maximum of each window."""
    fn = f"{mode}_pool2d_backward"
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError(f"pool2d_backward: mode must be 'max' or 'average'. Received: mode={mode!r}")
    x = as_float32(x, "x", fn)
    grad = as_float32(grad, "grad", fn)
    g = _geometry(fn, x, pool_size, strides, padding)
    want = (g[0], g[4], g[5], g[3])
    if grad.shape != want:
        raise ValueError(f"{fn}: grad has shape {grad.shape} but the output has shape {want}")
    dx = np.empty(x.shape, np.float32)
    _core.pool2d_backward(g, _MODES[mode], _c(x) if mode == "max" else None, _c(grad), dx)
    return dx


def max_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Keras MaxPooling2D on (batch, h, w, c)."""
    return pool2d(x, pool_size, strides, padding, "max")


def average_pool2d(x, pool_size=2, strides=None, padding="valid"):
    """Keras AveragePooling2D on (batch, h, w, c)."""
    return pool2d(x, pool_size, strides, padding, "average")


def _one_d(fn, x, pool_size, strides):
    x = as_float32(x, "x", fn)
    _rank(x, 3, "x", fn, "(batch, steps, channels)")
    p = _tuple(pool_size, 1, "pool_size", fn)[0]
    s = p if strides is None else _tuple(strides, 1, "strides", fn)[0]
    return x[:, None], (1, p), (1, s)


def pool1d(x, pool_size=2, strides=None, padding="valid", mode="max"):
    """Keras MaxPooling1D / AveragePooling1D on (batch, steps, channels)."""
    x4, p, s = _one_d(f"{mode}_pool1d", x, pool_size, strides)
    return pool2d(x4, p, s, padding, mode)[:, 0]


def pool1d_backward(x, grad, pool_size=2, strides=None, padding="valid", mode="max"):
    """Gradient of `pool1d` with respect to x."""
    x4, p, s = _one_d(f"{mode}_pool1d_backward", x, pool_size, strides)
    grad = as_float32(grad, "grad", f"{mode}_pool1d_backward")
    _rank(grad, 3, "grad", f"{mode}_pool1d_backward", "(batch, steps, channels)")
    return pool2d_backward(x4, grad[:, None], p, s, padding, mode)[:, 0]


def _as_image(fn, x):
    x = as_float32(x, "x", fn)
    if x.ndim == 3:
        return x[:, None]
    _rank(x, 4, "x", fn, "(batch, height, width, channels) or 3-D (batch, steps, channels)")
    return x


def global_pool(x, mode="max"):
    """Global max or average over the spatial axes of a 3-D or 4-D channels_last x: (batch, c)."""
    fn = f"global_{mode}_pool"
    x4 = _as_image(fn, x)
    if x4.shape[1] == 0 or x4.shape[2] == 0:
        raise ValueError(f"{fn}: the spatial axes must not be empty. Received: x.shape={np.shape(x)}")
    return pool2d(x4, x4.shape[1:3], 1, "valid", mode)[:, 0, 0]


def global_pool_backward(x, grad, mode="max"):
    """Gradient of `global_pool` with respect to x (same shape as x)."""
    fn = f"global_{mode}_pool_backward"
    x4 = _as_image(fn, x)
    grad = as_float32(grad, "grad", fn)
    if grad.shape != (x4.shape[0], x4.shape[3]):
        raise ValueError(f"{fn}: grad has shape {grad.shape} but the output has shape {(x4.shape[0], x4.shape[3])}")
    dx = pool2d_backward(x4, grad[:, None, None], x4.shape[1:3], 1, "valid", mode)
    return dx.reshape(np.shape(x))
