"""Convolution kernels: kernn.ops.conv1d / conv2d / depthwise_conv2d / conv*_transpose and their
backward passes, plus the image resizing helpers (zero padding, cropping, up-sampling).

Tensors are channels_last: (batch, height, width, channels) for 2-D, (batch, steps, channels)
for 1-D. Kernels use Keras's layouts: Conv2D (kh, kw, in / groups, filters), Conv1D
(k, in / groups, filters), DepthwiseConv2D (kh, kw, in, depth_multiplier), Conv2DTranspose
(kh, kw, filters, in), Conv1DTranspose (k, filters, in).
"""
import math

import numpy as np

from kernn import _core
from kernn.ops._common import as_float32

_PADDING = {"valid": 0, "same": 1, "causal": 2}
_ACTIVATIONS = {None: 0, "linear": 0, "relu": 1, "sigmoid": 2, "tanh": 3}


_MAX_SIZE = 2**62  # larger sizes overflow the 64-bit index arithmetic of the kernels


def _tuple(value, n, name, fn, minimum=1):
    """An int or a sequence of n ints, each >= minimum, as a tuple (Keras's standardize_tuple)."""
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * n
    else:
        message = f"{fn}: {name} must be an integer or a tuple of {n} integers. Received: {name}={value!r}"
        try:
            out = tuple(value)
        except TypeError:
            raise TypeError(message) from None
        if isinstance(value, str) or not all(isinstance(v, (int, np.integer)) for v in out):
            raise TypeError(message)
        if len(out) != n:
            raise ValueError(message)
        out = tuple(int(v) for v in out)
    if any(v < minimum for v in out):
        raise ValueError(f"{fn}: every value of {name} must be >= {minimum}. Received: {name}={value!r}")
    if any(v > _MAX_SIZE for v in out):
        raise ValueError(f"{fn}: every value of {name} must be <= 2**62. Received: {name}={value!r}")
    return out


def _fits(fn, sizes, kernel, strides, dilation, kernel_name="kernel size"):
    """ValueError when an axis's geometry would overflow the kernels' 64-bit sizes (absurd strides,
    dilations or inputs); Python's integers do not overflow, so this is checked here."""
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        if (n + 2) * s + 3 * ((k - 1) * d + 1) + 2 > _MAX_SIZE:
            raise ValueError(f"{fn}: the geometry overflows 64-bit sizes. Received: input size {n}, {kernel_name} "
                             f"{k}, strides={tuple(strides)}, dilation_rate={tuple(dilation)}")


def _check_output_size(shape, fn, **received):
    """MemoryError naming the arguments when an output of `shape` float32 needs more than 2**62 bytes."""
    if math.prod(shape) * 4 > _MAX_SIZE:
        args = ", ".join(f"{k}={v!r}" for k, v in received.items())
        raise MemoryError(f"{fn}: the output of shape {tuple(shape)} would need {math.prod(shape) * 4} bytes. "
                          f"Received: {args}")


def _padding(padding, fn, allow_causal=False):
    p = padding.lower() if isinstance(padding, str) else padding
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if p not in allowed:
        raise ValueError(f"{fn}: padding must be one of {', '.join(repr(a) for a in allowed)}. "
                         f"Received: padding={padding!r}")
    return _PADDING[p]


def _activation(activation, fn):
    if not isinstance(activation, (str, type(None))) or activation not in _ACTIVATIONS:
        raise ValueError(f"{fn}: activation must be one of None, 'linear', 'relu', 'sigmoid', 'tanh'. "
                         f"Received: activation={activation!r}")
    return _ACTIVATIONS[activation]


def _c(arr):
    return np.ascontiguousarray(arr, dtype=np.float32)


def _rank(x, ndim, name, fn, what):
    if x.ndim != ndim:
        raise ValueError(f"{fn}: {name} must be {ndim}-D {what}. Received: {name}.shape={x.shape}")


def _conv_geometry(fn, x, kernel, strides, padding, dilation_rate, groups, allow_causal=False):
    """Checks a 2-D convolution's arguments and returns the C++ geometry tuple."""
    _rank(x, 4, "x", fn, "(batch, height, width, channels)")
    _rank(kernel, 4, "kernel", fn, "(kernel_h, kernel_w, in_channels / groups, filters)")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{fn}: groups must be a positive integer. Received: groups={groups!r}")
    kh, kw, kc, filters = kernel.shape
    shapes = f"(input shape {x.shape}, kernel shape {kernel.shape})"
    if kh < 1 or kw < 1 or filters < 1 or kc < 1:
        raise ValueError(f"{fn}: kernel dimensions must be >= 1. Received: kernel.shape={kernel.shape}")
    if x.shape[3] != kc * groups:
        raise ValueError(f"{fn}: input has {x.shape[3]} channels but kernel expects {kc * groups} "
                         f"({kc} per group x {groups} groups) {shapes}" if groups > 1 else
                         f"{fn}: input has {x.shape[3]} channels but kernel expects {kc} {shapes}")
    if filters % groups:
        raise ValueError(f"{fn}: filters ({filters}) must be divisible by groups ({groups}) {shapes}")
    sh, sw = _tuple(strides, 2, "strides", fn)
    dh, dw = _tuple(dilation_rate, 2, "dilation_rate", fn)
    pad = _padding(padding, fn, allow_causal)
    _fits(fn, x.shape[1:3], (kh, kw), (sh, sw), (dh, dw))
    return _core.conv_geometry(*x.shape, kh, kw, filters, sh, sw, dh, dw, pad, groups)


def _bias(bias, n, fn):
    if bias is None:
        return None
    bias = _c(as_float32(bias, "bias", fn))
    if bias.shape != (n,):
        raise ValueError(f"{fn}: bias must have shape ({n},). Received: bias.shape={bias.shape}")
    return bias


def _out_shape(g):
    return (g[0], g[4], g[5], g[6])


def _in_shape(g):
    return (g[0], g[1], g[2], g[3])


def conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1, groups=1, activation=None):
    """2-D convolution over (batch, height, width, channels) with Keras's arguments.

    `activation(conv(x, kernel) + bias)`; the bias and activation are fused into the GEMM.

    Args:
        x: array (batch, height, width, in_channels).
        kernel: array (kernel_h, kernel_w, in_channels / groups, filters), Keras's layout.
        bias: array (filters,) or `None`. Defaults to `None`.
        strides: int or (sh, sw). Defaults to `1`.
        padding: "valid" or "same" (Keras's rule: the extra cell goes after). Defaults to "valid".
        dilation_rate: int or (dh, dw). Defaults to `1`.
        groups: channel groups; in_channels and filters must divide by it. Defaults to `1`.
        activation: None/"linear", "relu", "sigmoid" or "tanh". Defaults to `None`.

    Returns:
        float32 array (batch, out_h, out_w, filters).

    Raises:
        ValueError: ranks, channel counts or arguments that do not fit, naming the shapes.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.ops.conv2d(np.ones((1, 4, 4, 1)), np.ones((3, 3, 1, 2)), padding="same")[0, :, :, 0]
    array([[4., 6., 6., 4.],
           [6., 9., 9., 6.],
           [6., 9., 9., 6.],
           [4., 6., 6., 4.]], dtype=float32)
    """
    fn = "conv2d"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    g = _conv_geometry(fn, x, kernel, strides, padding, dilation_rate, groups)
    act = _activation(activation, fn)
    y = np.empty(_out_shape(g), np.float32)
    _core.conv2d_forward(g, _c(x), _c(kernel), _bias(bias, kernel.shape[3], fn), act, y)
    return y


def conv2d_backward(x, kernel, grad, *, strides=1, padding="valid", dilation_rate=1, groups=1, use_bias=True,
                    need_input_grad=True):
    """Gradients of `sum(grad * conv2d(x, kernel, bias))` (no activation).

    Returns:
        (dx, dkernel, dbias): dx is `None` when `need_input_grad=False`, dbias is `None` when
        `use_bias=False`.
    """
    fn = "conv2d_backward"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    grad = as_float32(grad, "grad", fn)
    g = _conv_geometry(fn, x, kernel, strides, padding, dilation_rate, groups, allow_causal=True)
    if grad.shape != _out_shape(g):
        raise ValueError(f"{fn}: grad has shape {grad.shape} but the output has shape {_out_shape(g)}")
    grad = _c(grad)
    kernel = _c(kernel)
    dx = None
    if need_input_grad:
        dx = np.empty(x.shape, np.float32)
        _core.conv2d_backward_data(g, grad, kernel, dx)
    dkernel = np.empty(kernel.shape, np.float32)
    dbias = np.empty(kernel.shape[3], np.float32) if use_bias else None
    _core.conv2d_backward_filter(g, _c(x), grad, dkernel, dbias)
    return dx, dkernel, dbias


def _as_2d_input(x, fn):
    _rank(x, 3, "x", fn, "(batch, steps, channels)")
    return x[:, None]


def _as_2d_kernel(kernel, fn, what):
    _rank(kernel, 3, "kernel", fn, what)
    return kernel[None]


def _conv1d_padding(padding, fn):
    _padding(padding, fn, allow_causal=True)
    return padding.lower()


def conv1d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1, groups=1, activation=None):
    """1-D convolution over (batch, steps, channels); kernel (k, in / groups, filters).

    padding may also be "causal" (all padding on the left). Otherwise as `conv2d`.
    """
    fn = "conv1d"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    p = _conv1d_padding(padding, fn)
    x4 = _as_2d_input(x, fn)
    k4 = _as_2d_kernel(kernel, fn, "(kernel_size, in_channels / groups, filters)")
    s = _tuple(strides, 1, "strides", fn)[0]
    d = _tuple(dilation_rate, 1, "dilation_rate", fn)[0]
    g = _conv_geometry(fn, x4, k4, (1, s), p, (1, d), groups, allow_causal=True)
    act = _activation(activation, fn)
    y = np.empty(_out_shape(g), np.float32)
    _core.conv2d_forward(g, _c(x4), _c(k4), _bias(bias, kernel.shape[2], fn), act, y)
    return y[:, 0]


def conv1d_backward(x, kernel, grad, *, strides=1, padding="valid", dilation_rate=1, groups=1, use_bias=True,
                    need_input_grad=True):
    """Gradients of `sum(grad * conv1d(x, kernel, bias))`: (dx, dkernel, dbias)."""
    fn = "conv1d_backward"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    grad = as_float32(grad, "grad", fn)
    p = _conv1d_padding(padding, fn)
    _rank(grad, 3, "grad", fn, "(batch, steps, filters)")
    dx, dk, db = conv2d_backward(_as_2d_input(x, fn), _as_2d_kernel(kernel, fn, "(k, in / groups, filters)"),
                                 grad[:, None], strides=(1, _tuple(strides, 1, "strides", fn)[0]), padding=p,
                                 dilation_rate=(1, _tuple(dilation_rate, 1, "dilation_rate", fn)[0]),
                                 groups=groups, use_bias=use_bias, need_input_grad=need_input_grad)
    return (None if dx is None else dx[:, 0]), dk[0], db


def _depthwise_as_grouped(x, kernel, fn):
    _rank(x, 4, "x", fn, "(batch, height, width, channels)")
    _rank(kernel, 4, "kernel", fn, "(kernel_h, kernel_w, in_channels, depth_multiplier)")
    kh, kw, c, m = kernel.shape
    if x.shape[3] != c:
        raise ValueError(f"{fn}: input has {x.shape[3]} channels but kernel expects {c} "
                         f"(input shape {x.shape}, kernel shape {kernel.shape})")
    return _c(kernel).reshape(kh, kw, 1, c * m), c


def depthwise_conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1, activation=None):
    """Depthwise 2-D convolution; kernel (kh, kw, in_channels, depth_multiplier) as Keras's
    DepthwiseConv2D, output channel `c * depth_multiplier + j`, bias (in_channels * multiplier,)."""
    fn = "depthwise_conv2d"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    k, c = _depthwise_as_grouped(x, kernel, fn)
    return conv2d(x, k, bias, strides=strides, padding=padding, dilation_rate=dilation_rate, groups=c,
                  activation=activation)


def depthwise_conv2d_backward(x, kernel, grad, *, strides=1, padding="valid", dilation_rate=1, use_bias=True,
                              need_input_grad=True):
    """Gradients of `sum(grad * depthwise_conv2d(x, kernel, bias))`: (dx, dkernel, dbias)."""
    fn = "depthwise_conv2d_backward"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    k, c = _depthwise_as_grouped(x, kernel, fn)
    dx, dk, db = conv2d_backward(x, k, grad, strides=strides, padding=padding, dilation_rate=dilation_rate,
                                 groups=c, use_bias=use_bias, need_input_grad=need_input_grad)
    return dx, dk.reshape(kernel.shape), db


def _transpose_geometry(fn, x, kernel, strides, padding, output_padding, dilation_rate):
    _rank(x, 4, "x", fn, "(batch, height, width, channels)")
    _rank(kernel, 4, "kernel", fn, "(kernel_h, kernel_w, filters, in_channels)")
    kh, kw, filters, cin = kernel.shape
    if x.shape[3] != cin:
        raise ValueError(f"{fn}: input has {x.shape[3]} channels but kernel expects {cin} "
                         f"(input shape {x.shape}, kernel shape {kernel.shape})")
    sh, sw = _tuple(strides, 2, "strides", fn)
    dh, dw = _tuple(dilation_rate, 2, "dilation_rate", fn)
    if output_padding is None:
        oph = opw = -1
    else:
        oph, opw = _tuple(output_padding, 2, "output_padding", fn, minimum=0)
        if oph >= sh or opw >= sw:
            raise ValueError(f"{fn}: output_padding must be smaller than strides. "
                             f"Received: output_padding={output_padding!r}, strides={strides!r}")
    pad = _padding(padding, fn)
    _fits(fn, x.shape[1:3], (kh, kw), (sh, sw), (dh, dw))
    return _core.conv_transpose_geometry(*x.shape, kh, kw, filters, sh, sw, dh, dw, pad, oph, opw)


def conv2d_transpose(x, kernel, bias=None, *, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                     activation=None):
    """Transposed 2-D convolution (Keras Conv2DTranspose): kernel (kh, kw, filters, in_channels),
    bias (filters,). Output size per axis as Keras: with output_padding None, `in * s` for
    "same" and `in * s + max(k - s, 0)` for "valid" (k the dilated kernel extent)."""
    fn = "conv2d_transpose"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    g = _transpose_geometry(fn, x, kernel, strides, padding, output_padding, dilation_rate)
    act = _activation(activation, fn)
    _check_output_size(_in_shape(g), fn, strides=strides, dilation_rate=dilation_rate)
    y = np.empty(_in_shape(g), np.float32)
    _core.conv2d_transpose_forward(g, _c(x), _c(kernel), _bias(bias, kernel.shape[2], fn), act, y)
    return y


def conv2d_transpose_backward(x, kernel, grad, *, strides=1, padding="valid", output_padding=None,
                              dilation_rate=1, use_bias=True, need_input_grad=True):
    """Gradients of `sum(grad * conv2d_transpose(x, kernel, bias))`: (dx, dkernel, dbias)."""
    fn = "conv2d_transpose_backward"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    grad = as_float32(grad, "grad", fn)
    g = _transpose_geometry(fn, x, kernel, strides, padding, output_padding, dilation_rate)
    if grad.shape != _in_shape(g):
        raise ValueError(f"{fn}: grad has shape {grad.shape} but the output has shape {_in_shape(g)}")
    grad, kernel = _c(grad), _c(kernel)
    dx = None
    if need_input_grad:  # the forward convolution of grad
        dx = np.empty(x.shape, np.float32)
        _core.conv2d_forward(g, grad, kernel, None, 0, dx)
    dkernel = np.empty(kernel.shape, np.float32)
    _core.conv2d_backward_filter(g, grad, _c(x), dkernel, None)
    dbias = None
    if use_bias:
        dbias = np.empty(kernel.shape[2], np.float32)
        _core.column_sums(grad.reshape(-1, kernel.shape[2]), dbias)
    return dx, dkernel, dbias


def conv1d_transpose(x, kernel, bias=None, *, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                     activation=None):
    """Transposed 1-D convolution (Keras Conv1DTranspose): x (batch, steps, in), kernel (k, filters, in)."""
    fn = "conv1d_transpose"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    _rank(x, 3, "x", fn, "(batch, steps, channels)")
    _rank(kernel, 3, "kernel", fn, "(kernel_size, filters, in_channels)")
    op = None if output_padding is None else (0, _tuple(output_padding, 1, "output_padding", fn, 0)[0])
    y = conv2d_transpose(x[:, None], kernel[None], bias, strides=(1, _tuple(strides, 1, "strides", fn)[0]),
                         padding=padding, output_padding=op,
                         dilation_rate=(1, _tuple(dilation_rate, 1, "dilation_rate", fn)[0]), activation=activation)
    return y[:, 0]


def conv1d_transpose_backward(x, kernel, grad, *, strides=1, padding="valid", output_padding=None,
                              dilation_rate=1, use_bias=True, need_input_grad=True):
    """Gradients of `sum(grad * conv1d_transpose(x, kernel, bias))`: (dx, dkernel, dbias)."""
    fn = "conv1d_transpose_backward"
    x = as_float32(x, "x", fn)
    kernel = as_float32(kernel, "kernel", fn)
    grad = as_float32(grad, "grad", fn)
    _rank(x, 3, "x", fn, "(batch, steps, channels)")
    _rank(kernel, 3, "kernel", fn, "(kernel_size, filters, in_channels)")
    _rank(grad, 3, "grad", fn, "(batch, steps, filters)")
    op = None if output_padding is None else (0, _tuple(output_padding, 1, "output_padding", fn, 0)[0])
    dx, dk, db = conv2d_transpose_backward(
        x[:, None], kernel[None], grad[:, None], strides=(1, _tuple(strides, 1, "strides", fn)[0]), padding=padding,
        output_padding=op, dilation_rate=(1, _tuple(dilation_rate, 1, "dilation_rate", fn)[0]),
        use_bias=use_bias, need_input_grad=need_input_grad)
    return (None if dx is None else dx[:, 0]), dk[0], db


# ---- resizing: padding, cropping, up-sampling ---------------------------------------------

def _pairs(value, name, fn):
    """((top, bottom), (left, right)) from an int, 2 ints or 2 pairs of ints, each >= 0 (Keras's rule)."""
    if isinstance(value, (int, np.integer)):
        return (_tuple(value, 2, name, fn, 0),) * 2
    try:
        hw = tuple(value)
    except TypeError:
        hw = ()
    if len(hw) != 2 or isinstance(value, str):
        raise ValueError(f"{fn}: {name} must be an integer, a tuple of 2 integers or a tuple of 2 tuples of 2 "
                         f"integers. Received: {name}={value!r}")
    return tuple(_tuple(v, 2, name, fn, 0) for v in hw)


def zero_padding2d(x, padding):
    """Zero-pads (batch, h, w, c) by ((top, bottom), (left, right))."""
    x = as_float32(x, "x", "zero_padding2d")
    _rank(x, 4, "x", "zero_padding2d", "(batch, height, width, channels)")
    (t, b), (lft, r) = _pairs(padding, "padding", "zero_padding2d")
    _check_output_size((x.shape[0], x.shape[1] + t + b, x.shape[2] + lft + r, x.shape[3]), "zero_padding2d",
                       padding=padding)
    return np.pad(x, ((0, 0), (t, b), (lft, r), (0, 0)))


def cropping2d(x, cropping):
    """Crops ((top, bottom), (left, right)) off (batch, h, w, c)."""
    x = as_float32(x, "x", "cropping2d")
    _rank(x, 4, "x", "cropping2d", "(batch, height, width, channels)")
    (t, b), (lft, r) = _pairs(cropping, "cropping", "cropping2d")
    if t + b > x.shape[1] or lft + r > x.shape[2]:
        raise ValueError(f"cropping2d: cropping {cropping!r} removes more than the input has "
                         f"(input shape {x.shape})")
    return x[:, t:x.shape[1] - b, lft:x.shape[2] - r]


def upsampling2d(x, size, interpolation="nearest"):
    """Keras UpSampling2D: (batch, h, w, c) -> (batch, h * sh, w * sw, c), "nearest" or "bilinear"."""
    fn = "upsampling2d"
    x = as_float32(x, "x", fn)
    _rank(x, 4, "x", fn, "(batch, height, width, channels)")
    sh, sw = _tuple(size, 2, "size", fn)
    _check_output_size((x.shape[0], x.shape[1] * sh, x.shape[2] * sw, x.shape[3]), fn, size=size)
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"{fn}: interpolation must be 'nearest' or 'bilinear'. "
                         f"Received: interpolation={interpolation!r}")
    y = np.empty((x.shape[0], x.shape[1] * sh, x.shape[2] * sw, x.shape[3]), np.float32)
    if y.size:
        (_core.upsample_nearest if interpolation == "nearest" else _core.resize_bilinear)(_c(x), y)
    return y


def upsampling2d_backward(grad, size, interpolation="nearest"):
    """Gradient of `upsampling2d` with respect to its input."""
    fn = "upsampling2d_backward"
    grad = as_float32(grad, "grad", fn)
    _rank(grad, 4, "grad", fn, "(batch, height, width, channels)")
    sh, sw = _tuple(size, 2, "size", fn)
    n, h, w, c = grad.shape
    if h % sh or w % sw:
        raise ValueError(f"{fn}: grad shape {grad.shape} is not a multiple of size {(sh, sw)}")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"{fn}: interpolation must be 'nearest' or 'bilinear'. "
                         f"Received: interpolation={interpolation!r}")
    dx = np.empty((n, h // sh, w // sw, c), np.float32)
    if dx.size:
        backward = _core.upsample_nearest_backward if interpolation == "nearest" else _core.resize_bilinear_backward
        backward(_c(grad), dx)
    return dx
