"""Element-wise activations, softmax and their gradients: kernn.ops.activation & co."""
import math

import numpy as np

from kernn import _core
from kernn.ops._common import as_float32, out_array

# name -> the parameters it takes, with Keras's defaults
_PARAMS = {
    "linear": {},
    "relu": {"negative_slope": 0.0, "max_value": None, "threshold": 0.0},
    "relu6": {},
    "leaky_relu": {"negative_slope": 0.2},
    "elu": {"alpha": 1.0},
    "selu": {},
    "gelu": {"approximate": False},
    "silu": {},
    "swish": {},
    "softplus": {},
    "softsign": {},
    "hard_sigmoid": {},
    "hard_silu": {},
    "hard_swish": {},
    "exponential": {},
    "sigmoid": {},
    "tanh": {},
    "mish": {},
    "log_sigmoid": {},
    "celu": {"alpha": 1.0},
    "squareplus": {"b": 4},
    "soft_shrink": {"threshold": 0.5},
    "hard_shrink": {"threshold": 0.5},
    "hard_tanh": {},
    "tanh_shrink": {},
    "sparse_plus": {},
    "sparse_sigmoid": {},
    "softmax": {},
    "log_softmax": {},
}

ACTIVATION_NAMES = tuple(_PARAMS)


_DEFAULTS = {}


def _resolve(name, params, fn):
    """(core name, negative_slope, max_value, threshold, alpha, b) for `name` and `params`."""
    if not params:
        hit = _DEFAULTS.get(name) if isinstance(name, str) else None
        if hit is None:
            hit = _resolve_full(name, params, fn)
            _DEFAULTS[name] = hit
        return hit
    return _resolve_full(name, params, fn)


def _resolve_full(name, params, fn):
    if not isinstance(name, str) or name not in _PARAMS:
        raise ValueError(
            f"{fn}: unknown activation. Expected one of {', '.join(ACTIVATION_NAMES)}. Received: name={name!r}"
        )
    allowed = _PARAMS[name]
    for key in params:
        if key not in allowed:
            takes = ", ".join(allowed) if allowed else "no parameters"
            raise ValueError(f"{fn}: activation '{name}' takes {takes}. Received: {key}={params[key]!r}")
    p = {**allowed, **params}
    slope, max_value, threshold, alpha, b = 0.0, math.inf, 0.0, 1.0, 4.0
    core = name
    if name == "relu":
        slope, threshold = float(p["negative_slope"]), float(p["threshold"])
        if p["max_value"] is not None:
            max_value = float(p["max_value"])
            if not max_value >= 0:
                raise ValueError(f"{fn}: max_value of relu must be >= 0. Received: max_value={p['max_value']!r}")
        if slope < 0:
            raise ValueError(f"{fn}: negative_slope of relu must be >= 0. Received: negative_slope={slope!r}")
    elif name == "leaky_relu":
        slope = float(p["negative_slope"])
    elif name in ("elu", "celu"):
        alpha = float(p["alpha"])
        if name == "celu" and alpha == 0:
            raise ValueError(f"{fn}: alpha of celu must not be 0. Received: alpha={p['alpha']!r}")
    elif name == "squareplus":
        b = float(p["b"])
        if not b >= 0:
            raise ValueError(f"{fn}: b of squareplus must be >= 0. Received: b={p['b']!r}")
    elif name in ("soft_shrink", "hard_shrink"):
        threshold = float(p["threshold"])
    elif name == "gelu":
        core = "gelu_tanh" if p["approximate"] else "gelu"
    return core, slope, max_value, threshold, alpha, b


def _flat(arr):
    """A contiguous 1-D view of `arr` (a copy only when it is not C-contiguous)."""
    return np.ascontiguousarray(arr).reshape(-1)


def _rows(arr, name, fn):
    if arr.ndim < 1:
        raise ValueError(f"{fn}: {name} must have at least 1 dimension. Received: {name}.shape={arr.shape}")
    arr = np.ascontiguousarray(arr)
    return arr.reshape(int(np.prod(arr.shape[:-1], dtype=np.int64)), arr.shape[-1])


def _into(out, shape, fn, x):
    """(target array for the kernel, array to return): out itself when it is C-contiguous
    and either is x exactly (in place) or does not overlap it."""
    if out is None:
        res = np.empty(shape, dtype=np.float32)
        return res, res
    out = out_array(out, shape, fn)
    if out is x or (out.flags.c_contiguous and not np.may_share_memory(out, x)):
        return out, out
    return np.empty(shape, dtype=np.float32), out


def activation(x, name, *, out=None, **params):
    """`name`(x) element-wise in float32 (softmax and log_softmax over the last axis).

    Args:
        x: array of any shape; real dtypes are converted to float32.
        name: a Keras activation name: linear, relu, relu6, leaky_relu, elu, selu, gelu,
            silu/swish, softplus, softsign, hard_sigmoid, hard_silu/hard_swish, exponential,
            sigmoid, tanh, mish, log_sigmoid, celu, squareplus, soft_shrink, hard_shrink,
            hard_tanh, tanh_shrink, sparse_plus, sparse_sigmoid, softmax, log_softmax.
        out: float32 array of x's shape to write into (may be `x`). Defaults to `None`.
        **params: the activation's parameters as in `keras.activations`: relu
            (negative_slope, max_value, threshold), leaky_relu (negative_slope), elu and
            celu (alpha), gelu (approximate), squareplus (b), soft_shrink and hard_shrink
            (threshold).

    Returns:
        The float32 result (`out` when given).

    Raises:
        ValueError: an unknown name or parameter.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.ops.activation(np.array([-1.0, 2.0]), "relu")
    array([0., 2.], dtype=float32)
    """
    fn = "activation"
    x = as_float32(x, "x", fn)
    core, slope, max_value, threshold, alpha, b = _resolve(name, params, fn)
    target, res = _into(out, x.shape, fn, x)
    if core in ("softmax", "log_softmax"):
        xr = _rows(x, "x", fn)
        if xr.size:
            _core.softmax(xr, target.reshape(xr.shape), core == "log_softmax")
    else:
        _core.activation(_flat(x), target.reshape(-1), core, slope, max_value, threshold, alpha, b)
    if target is not res:
        res[...] = target
    return res


def activation_grad(x, y, grad, name, **params):
    """dL/dx of `name` at x, given the upstream gradient `grad` = dL/dy.

    Args:
        x: the activation's input, or `None` to compute the gradient from the output `y`
            alone (for callers that kept only y, e.g. after a fused GEMM + activation;
            supported for linear, relu without threshold, relu6, leaky_relu, elu, selu,
            softplus, softsign, hard_sigmoid, exponential, sigmoid, tanh, softmax,
            log_softmax). With x given, the element-wise activations recompute what they
            need from x, which is more accurate where y saturates.
        y: the output (needed by softmax and log_softmax, and when x is None; may be `None`
            otherwise).
        grad: dL/dy, of x's shape.
        name: as in `activation`.
        **params: as in `activation`.

    Returns:
        dL/dx, float32 of x's shape.

    Raises:
        ValueError: an unknown name or parameter, or shapes that differ.
    """
    fn = "activation_grad"
    core, slope, max_value, threshold, alpha, b = _resolve(name, params, fn)
    grad = as_float32(grad, "grad", fn)
    if core in ("softmax", "log_softmax"):
        if y is None:
            raise ValueError(f"{fn}: {core} needs its output y. Received: y=None")
        y = as_float32(y, "y", fn)
        if y.shape != grad.shape:
            raise ValueError(f"{fn}: y and grad shapes differ. Received: y.shape={y.shape}, grad.shape={grad.shape}")
        return _softmax_grad(y, grad, core == "log_softmax", fn)
    if x is None:
        if y is None:
            raise ValueError(f"{fn}: give the input x or the output y. Received: x=None, y=None")
        y = as_float32(y, "y", fn)
        if y.shape != grad.shape:
            raise ValueError(f"{fn}: y and grad shapes differ. Received: y.shape={y.shape}, grad.shape={grad.shape}")
        res = np.empty(y.shape, dtype=np.float32)
        _core.activation_grad_from_output(_flat(y), _flat(grad), res.reshape(-1), core, slope, max_value, threshold,
                                          alpha, b)
        return res
    x = as_float32(x, "x", fn)
    if x.shape != grad.shape:
        raise ValueError(f"{fn}: x and grad shapes differ. Received: x.shape={x.shape}, grad.shape={grad.shape}")
    res = np.empty(x.shape, dtype=np.float32)
    _core.activation_grad(_flat(x), _flat(grad), res.reshape(-1), core, slope, max_value, threshold, alpha, b)
    return res


def _softmax_grad(y, grad, log, fn):
    yr = _rows(y, "y", fn)
    res = np.empty(y.shape, dtype=np.float32)
    if yr.size:
        _core.softmax_grad(yr, _rows(grad, "grad", fn), res.reshape(yr.shape), log)
    return res


def softmax(x, *, out=None):
    """Softmax over the last axis (max-subtracted, stable), float32."""
    return activation(x, "softmax", out=out)


def log_softmax(x, *, out=None):
    """log(softmax(x)) over the last axis, computed stably as x - max - log(sum(exp(x - max)))."""
    return activation(x, "log_softmax", out=out)


def softmax_grad(y, grad):
    """dL/dx of softmax over the last axis from its output y and dL/dy: y * (grad - sum(grad * y))."""
    fn = "softmax_grad"
    y, grad = as_float32(y, "y", fn), as_float32(grad, "grad", fn)
    if y.shape != grad.shape:
        raise ValueError(f"{fn}: y and grad shapes differ. Received: y.shape={y.shape}, grad.shape={grad.shape}")
    return _softmax_grad(y, grad, False, fn)


def log_softmax_grad(y, grad):
    """dL/dx of log_softmax from its output y and dL/dy: grad - exp(y) * sum(grad)."""
    fn = "log_softmax_grad"
    y, grad = as_float32(y, "y", fn), as_float32(grad, "grad", fn)
    if y.shape != grad.shape:
        raise ValueError(f"{fn}: y and grad shapes differ. Received: y.shape={y.shape}, grad.shape={grad.shape}")
    return _softmax_grad(y, grad, True, fn)


def bias_grad(g):
    """Sum of a (..., n) array over all leading axes -> (n,) float32.

    Summed in double in a fixed order, so the result is the same for any thread count.
    """
    fn = "bias_grad"
    g = as_float32(g, "g", fn)
    if g.ndim < 1:
        raise ValueError(f"{fn}: g must have at least 1 dimension. Received: g.shape={g.shape}")
    n = g.shape[-1]
    out = np.zeros((n,), dtype=np.float32)
    if g.size:
        _core.bias_grad(np.ascontiguousarray(g).reshape(-1, n), out)
    return out
