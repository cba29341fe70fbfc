"""Argument coercion and checks shared by the kernn.ops modules."""
import numpy as np


def as_float32(x, name, fn):
    """`x` as a float32 ndarray (a view when it already is one), else TypeError."""
    if type(x) is np.ndarray and x.dtype == np.float32 and x.flags.c_contiguous:
        return x  # the common case, without the checks below (a few µs per recurrent call)
    arr = np.asarray(x)
    if arr.dtype != np.float32:
        if arr.dtype.kind not in "biuf":
            raise TypeError(
                f"{fn}: {name} must be an array of real numbers. Received: {name}.dtype={arr.dtype}"
            )
        arr = arr.astype(np.float32)
    if any(s % 4 for s in arr.strides):
        arr = np.ascontiguousarray(arr)
    return arr


def out_array(out, shape, fn):
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{fn}: out must be a numpy.ndarray. Received: type(out)={type(out).__name__}")
    if out.dtype != np.float32:
        raise TypeError(f"{fn}: out must have dtype float32. Received: out.dtype={out.dtype}")
    if out.shape != tuple(shape):
        raise ValueError(f"{fn}: out has shape {out.shape} but the result has shape {tuple(shape)}")
    if not out.flags.writeable:
        raise ValueError(f"{fn}: out is read-only")
    return out




def as_real(value, name, fn):
    """`value` (a real number or a 0-d real array) as a Python float, else TypeError naming it."""
    if isinstance(value, (int, float, np.integer, np.floating)) or (
            isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "biuf"):
        return float(value)
    raise TypeError(f"{fn}: {name} must be a real number. Received: {name}={value!r}")
