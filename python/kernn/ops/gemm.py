"""GEMM: kernn.ops.matmul."""
import numpy as np

from kernn import _core
from kernn.ops._common import as_float32, as_real, out_array

_GEMM_ACTIVATIONS = {None: 0, "linear": 0, "relu": 1, "sigmoid": 2, "tanh": 3}
_F32 = np.dtype(np.float32)
_SCALARS = (float, int)


def _as_3d(arr, batch_shape, rows, cols):
    """(batch..., rows, cols) view as (B, rows, cols), copying only when NumPy must."""
    full = np.broadcast_to(arr, tuple(batch_shape) + (rows, cols))
    return full.reshape((int(np.prod(batch_shape, dtype=np.int64)), rows, cols))


def matmul(a, b, *, transpose_a=False, transpose_b=False, alpha=1.0, beta=0.0, out=None, bias=None,
           activation=None):
    """`activation(alpha * op(a) @ op(b) + beta * out + bias)` in float32.

    Works on 2-D arrays and on stacks of them (leading dimensions broadcast as in
    `np.matmul`). Strided and transposed views are read in place.

    Args:
        a: array (..., m, k), or (..., k, m) with `transpose_a=True`. Real dtypes are
            converted to float32.
        b: array (..., k, n), or (..., n, k) with `transpose_b=True`.
        transpose_a: use the transpose of the last two axes of `a`. Defaults to `False`.
        transpose_b: use the transpose of the last two axes of `b`. Defaults to `False`.
        alpha: scale of the product. Defaults to `1.0`.
        beta: scale of the existing contents of `out` (ignored without `out`). Defaults to `0.0`.
        out: float32 array of the result's shape to write into. Defaults to `None`.
        bias: array (n,) added to every row. Defaults to `None`.
        activation: `None`/"linear", "relu", "sigmoid" or "tanh", applied last. Defaults to `None`.

    Returns:
        The float32 result (`out` when given).

    Raises:
        TypeError: a non-numeric dtype, or `out` that is not a float32 ndarray.
        ValueError: fewer than 2 dimensions, inner dimensions that differ, batch shapes that
            do not broadcast, or `out`/`bias` of the wrong shape.

    Example:
    >>> import numpy as np, kernn
    >>> kernn.ops.matmul(np.ones((2, 3)), np.ones((3, 4)), bias=np.arange(4.0))[0]
    array([3., 4., 5., 6.], dtype=float32)
    """
    fn = "matmul"
    if (type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2
            and a.dtype == _F32 and b.dtype == _F32 and type(alpha) in _SCALARS and type(beta) in _SCALARS):
        # fast path for 2-D float32 operands (every Dense step): no broadcasting machinery
        am = a.T if transpose_a else a
        bm = b.T if transpose_b else b
        m, k = am.shape
        k2, n = bm.shape
        act = _GEMM_ACTIVATIONS.get(activation, -1) if isinstance(activation, (str, type(None))) else -1
        if (k == k2 and act >= 0
                and (bias is None or (type(bias) is np.ndarray and bias.dtype == _F32 and bias.shape == (n,)))):
            if out is None:
                out = np.empty((m, n), dtype=_F32)
                _core.matmul(am, bm, out, float(alpha), 0.0, bias, act)
                return out
            if (type(out) is np.ndarray and out.dtype == _F32 and out.shape == (m, n) and out.flags.writeable
                    and not np.may_share_memory(out, a) and not np.may_share_memory(out, b)
                    and (bias is None or not np.may_share_memory(out, bias))):
                _core.matmul(am, bm, out, float(alpha), float(beta), bias, act)
                return out
    a = as_float32(a, "a", fn)
    b = as_float32(b, "b", fn)
    for name, arr in (("a", a), ("b", b)):
        if arr.ndim < 2:
            raise ValueError(
                f"{fn}: {name} must have at least 2 dimensions. Received: {name}.shape={arr.shape}"
            )
    alpha, beta = as_real(alpha, "alpha", fn), as_real(beta, "beta", fn)
    if not isinstance(activation, (str, type(None))) or activation not in _GEMM_ACTIVATIONS:
        raise ValueError(
            f"{fn}: activation must be one of None, 'linear', 'relu', 'sigmoid', 'tanh'. "
            f"Received: activation={activation!r}"
        )
    am = np.swapaxes(a, -1, -2) if transpose_a else a
    bm = np.swapaxes(b, -1, -2) if transpose_b else b
    m, k = am.shape[-2:]
    k2, n = bm.shape[-2:]
    if k != k2:
        ta = " transposed" if transpose_a else ""
        tb = " transposed" if transpose_b else ""
        raise ValueError(
            f"{fn}: inner dimensions differ: a{ta} gives {k} columns (a.shape={a.shape}) but "
            f"b{tb} gives {k2} rows (b.shape={b.shape})"
        )
    if am.ndim == 2 and bm.ndim == 2:
        batch = ()
    else:
        try:
            batch = np.broadcast_shapes(am.shape[:-2], bm.shape[:-2])
        except ValueError:
            raise ValueError(
                f"{fn}: batch dimensions do not broadcast: a.shape={a.shape}, b.shape={b.shape}"
            ) from None
    shape = tuple(batch) + (m, n)
    if out is None:
        out = np.empty(shape, dtype=np.float32)
        beta = 0.0
    else:
        out = out_array(out, shape, fn)
    if bias is not None:
        bias = as_float32(bias, "bias", fn)
        if bias.shape != (n,):
            raise ValueError(f"{fn}: bias has shape {bias.shape} but the output has {n} columns")

    overlap = (np.may_share_memory(out, a) or np.may_share_memory(out, b)
               or (bias is not None and np.may_share_memory(out, bias)))
    target = out
    if overlap:  # write somewhere safe, then copy into out
        target = np.array(out, dtype=np.float32, copy=True) if beta != 0.0 else np.empty(shape, np.float32)
    if not batch:
        a3, b3, o3 = am, bm, target
    else:
        nb = int(np.prod(batch, dtype=np.int64))
        a3 = _as_3d(am, batch, m, k)
        b3 = _as_3d(bm, batch, k, n)
        try:
            o3 = target.view()
            o3.shape = (nb, m, n)  # raises if it would need a copy
        except AttributeError:
            target = np.array(out, dtype=np.float32, copy=True) if beta != 0.0 else np.empty(shape, np.float32)
            o3 = target.reshape((nb, m, n))
    _core.matmul(a3, b3, o3, float(alpha), float(beta), bias, _GEMM_ACTIVATIONS[activation])
    if target is not out:
        out[...] = target
    return out
