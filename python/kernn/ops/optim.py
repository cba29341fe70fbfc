"""Optimizer updates of Keras 3, in place over lists of parameters in one C++ call per step.

Each function updates `params` and the optimizer slots (moments, velocities, ...) in
place, over all elements of all arrays in one parallel pass. They are lists of float32
C-contiguous arrays (or kernn Variables, whose `value` is updated). Weight decay, gradient
clipping and constraints are the Python optimizer's work, done before or after.
"""
import numpy as np

from kernn import _core
from kernn.ops._common import as_float32, as_real


def _unwrap(a):
    """The array of a kernn Variable (updated in place), or `a` itself."""
    value = getattr(a, "value", None)
    return value if isinstance(value, np.ndarray) and not isinstance(a, np.ndarray) else a


def _check_state(arrays, name, fn, params=None):
    """`arrays` as a list of writable, C-contiguous float32 ndarrays (shapes like params).
    kernn Variables stand for their `value`."""
    if isinstance(arrays, np.ndarray) or not isinstance(arrays, (list, tuple)):
        raise TypeError(f"{fn}: {name} must be a list of arrays. Received: type({name})={type(arrays).__name__}")
    arrays = [_unwrap(a) for a in arrays]
    if params is not None and len(arrays) != len(params):
        raise ValueError(f"{fn}: {name} has {len(arrays)} arrays but params has {len(params)}")
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray) or a.dtype != np.float32:
            got = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
            raise TypeError(f"{fn}: {name}[{i}] must be a float32 numpy array (updated in place). Received: {got}")
        if not a.flags.c_contiguous or not a.flags.writeable:
            raise ValueError(f"{fn}: {name}[{i}] must be a writable C-contiguous array")
        if params is not None and a.shape != params[i].shape:
            raise ValueError(
                f"{fn}: {name}[{i}] has shape {a.shape} but params[{i}] has shape {params[i].shape}"
            )
    return arrays


def _check_grads(grads, params, fn):
    if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
        raise TypeError(f"{fn}: grads must be a list of arrays. Received: type(grads)={type(grads).__name__}")
    if len(grads) != len(params):
        raise ValueError(f"{fn}: grads has {len(grads)} arrays but params has {len(params)}")
    out = []
    for i, (g, p) in enumerate(zip(grads, params)):
        g = np.asarray(as_float32(_unwrap(g), f"grads[{i}]", fn), order="C")  # ascontiguousarray makes 0-d 1-d
        if g.shape != p.shape:
            raise ValueError(f"{fn}: grads[{i}] has shape {g.shape} but params[{i}] has shape {p.shape}")
        out.append(g)
    return out


def _slot(arrays, name, fn, params, needed):
    if not needed:
        if arrays is not None:
            raise ValueError(f"{fn}: {name} must be None here (the optimizer keeps no {name})")
        return None
    if arrays is None:
        raise ValueError(f"{fn}: {name} is required here. Received: {name}=None")
    return _check_state(arrays, name, fn, params)


def _is_array_list(arrays):
    return type(arrays) is list and all(type(a) is np.ndarray for a in arrays)


def _apply(kind, fn, params, grads, slots, *, learning_rate, momentum=0.0, beta_1=0.9, beta_2=0.999,
           epsilon=1e-7, rho=0.9, nesterov=False, amsgrad=False, centered=False, step=1, u_t=0.0, u_t1=0.0,
           u_product_t=0.0, u_product_t1=0.0):
    """Run one update. `slots` is [(name, arrays or None, needed)]; the C++ side checks every
    array (dtype, contiguity, shapes, naming the index), so plain lists of arrays go straight
    there, and only a refused call (or Variables, tuples, float64 gradients ...) takes the
    Python path that converts what it can and explains the rest."""
    if isinstance(step, float) and step.is_integer():
        step = int(step)
    if not isinstance(step, (int, np.integer)) or not 1 <= step <= 2**62:
        raise ValueError(f"{fn}: step is the 1-based iteration and must be an integer >= 1. Received: step={step!r}")
    step = int(step)
    reals = dict(learning_rate=learning_rate, momentum=momentum, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                 rho=rho, u_t=u_t, u_t1=u_t1, u_product_t=u_product_t, u_product_t1=u_product_t1)
    r = {name: as_real(value, name, fn) for name, value in reals.items()}
    hyper = (r["learning_rate"], r["momentum"], r["beta_1"], r["beta_2"], r["epsilon"], r["rho"], bool(nesterov),
             bool(amsgrad), bool(centered), step, r["u_t"], r["u_t1"], r["u_product_t"], r["u_product_t1"])
    pad = [None] * (3 - len(slots))
    if _is_array_list(params) and _is_array_list(grads) and all(
            (arrays is None) if not needed else _is_array_list(arrays) for _, arrays, needed in slots):
        try:
            _core.optimizer_update(kind, params, grads, *[a for _, a, _ in slots], *pad, *hyper)
            return
        except ValueError:
            pass  # nothing was updated; the checks below convert or explain
    params = _check_state(params, "params", fn)
    grads = _check_grads(grads, params, fn)
    checked = [_slot(arrays, name, fn, params, needed) for name, arrays, needed in slots]
    _core.optimizer_update(kind, params, grads, *checked, *pad, *hyper)


def sgd_update(params, grads, velocities, *, learning_rate, momentum, nesterov):
    """SGD: v = momentum * v - lr * g; p += v (nesterov: p += momentum * v - lr * g);
    without momentum p -= lr * g (velocities None)."""
    _apply("sgd", "sgd_update", params, grads, [("velocities", velocities, as_real(momentum, "momentum", "sgd_update") != 0.0)],
           learning_rate=learning_rate, momentum=momentum, nesterov=nesterov)


def adam_update(params, grads, ms, vs, vhats, *, learning_rate, beta_1, beta_2, epsilon, step, amsgrad):
    """Adam (Keras 3): m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); [v_hat = max(v_hat, v)];
    p -= m * lr sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(v) + eps). `step` is t (1-based)."""
    _apply("adam", "adam_update", params, grads, [("ms", ms, True), ("vs", vs, True), ("vhats", vhats, bool(amsgrad))],
           learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, step=step, amsgrad=amsgrad)


def rmsprop_update(params, grads, velocities, momentums, average_grads, *, learning_rate, rho, momentum, epsilon,
                   centered):
    """RMSprop (Keras 3): v = rho v + (1 - rho) g^2; [a = rho a + (1 - rho) g, denominator
    v - a^2 + eps, else v + eps]; inc = lr g / sqrt(denominator); [m = momentum m + inc; p -= m] else p -= inc."""
    _apply("rmsprop", "rmsprop_update", params, grads,
           [("velocities", velocities, True), ("momentums", momentums, as_real(momentum, "momentum", "rmsprop_update") > 0.0),
            ("average_grads", average_grads, bool(centered))],
           learning_rate=learning_rate, rho=rho, momentum=momentum, epsilon=epsilon, centered=centered)


def adagrad_update(params, grads, accumulators, *, learning_rate, epsilon):
    """Adagrad (Keras 3): acc += g^2; p -= lr g / sqrt(acc + eps)."""
    _apply("adagrad", "adagrad_update", params, grads, [("accumulators", accumulators, True)],
           learning_rate=learning_rate, epsilon=epsilon)


def adamax_update(params, grads, ms, us, *, learning_rate, beta_1, beta_2, epsilon, step):
    """Adamax (Keras 3): m += (g - m)(1 - b1); u = max(b2 u, |g|); p -= lr m / ((1 - b1^t)(u + eps))."""
    _apply("adamax", "adamax_update", params, grads, [("ms", ms, True), ("us", us, True)],
           learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, step=step)


def nadam_update(params, grads, ms, vs, *, learning_rate, beta_1, beta_2, epsilon, step, u_t, u_t1, u_product_t,
                 u_product_t1):
    """Nadam (Keras 3): m, v as Adam; m_hat = u_t1 m / (1 - u_product_t1) + (1 - u_t) g / (1 - u_product_t);
    v_hat = v / (1 - b2^t); p -= lr m_hat / (sqrt(v_hat) + eps). The momentum-schedule terms
    come from the Python optimizer (u_product_t already includes u_t)."""
    _apply("nadam", "nadam_update", params, grads, [("ms", ms, True), ("vs", vs, True)],
           learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, step=step, u_t=u_t,
           u_t1=u_t1, u_product_t=u_product_t, u_product_t1=u_product_t1)
