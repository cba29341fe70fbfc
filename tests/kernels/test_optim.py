"""kernn.ops optimizer updates (one C++ call over all parameters) against the float64
references of Keras 3's update rules, over several steps, on every ISA."""
import numpy as np
import pytest

import kernn
from reference import optimizers as ref

SIZES = [0, 1, 7, 16, 17, 1000, 100003]
SHAPES = [(s,) for s in SIZES] + [(3, 5), (2, 3, 4)]
STEPS = 4


def _zeros():
    return [np.zeros(s, np.float32) for s in SHAPES]


def _params(rng):
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


def _grads(rng):
    return [(rng.standard_normal(s) * rng.choice([1e-3, 1.0, 10.0])).astype(np.float32) for s in SHAPES]


def _close(got, want, steps=STEPS):
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=2e-6 * steps, atol=2e-7 * steps)


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)],
                         ids=["plain", "momentum", "nesterov"])
def test_sgd(isa, rng, momentum, nesterov):
    p = _params(rng)
    v = _zeros() if momentum else None
    rp, rv = [x.astype(np.float64) for x in p], (_zeros() if momentum else None)
    for _ in range(STEPS):
        g = _grads(rng)
        kernn.ops.sgd_update(p, g, v, learning_rate=0.01, momentum=momentum, nesterov=nesterov)
        rp, rv = ref.sgd(rp, g, rv, 0.01, momentum, nesterov)
    _close(p, rp)
    if momentum:
        _close(v, rv)


@pytest.mark.parametrize("amsgrad", [False, True], ids=["adam", "amsgrad"])
def test_adam(isa, rng, amsgrad):
    p, m, v = _params(rng), _zeros(), _zeros()
    vh = _zeros() if amsgrad else None
    rp, rm, rv, rvh = [x.astype(np.float64) for x in p], _zeros(), _zeros(), _zeros() if amsgrad else None
    for step in range(1, STEPS + 1):
        g = _grads(rng)
        kernn.ops.adam_update(p, g, m, v, vh, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                              step=step, amsgrad=amsgrad)
        rp, rm, rv, rvh = ref.adam(rp, g, rm, rv, rvh, 0.001, 0.9, 0.999, 1e-7, step, amsgrad)
    _close(p, rp)
    _close(m, rm)
    _close(v, rv)
    if amsgrad:
        _close(vh, rvh)


@pytest.mark.parametrize("momentum,centered", [(0.0, False), (0.5, False), (0.0, True), (0.5, True)],
                         ids=["plain", "momentum", "centered", "momentum_centered"])
def test_rmsprop(isa, rng, momentum, centered):
    p, v = _params(rng), _zeros()
    mo = _zeros() if momentum else None
    ag = _zeros() if centered else None
    rp, rv, rmo, rag = [x.astype(np.float64) for x in p], _zeros(), _zeros() if momentum else None, _zeros() if centered else None
    for _ in range(STEPS):
        g = _grads(rng)
        kernn.ops.rmsprop_update(p, g, v, mo, ag, learning_rate=0.001, rho=0.9, momentum=momentum, epsilon=1e-7,
                                 centered=centered)
        rp, rv, rmo, rag = ref.rmsprop(rp, g, rv, rmo, rag, 0.001, 0.9, momentum, 1e-7, centered)
    _close(p, rp)
    _close(v, rv)


def test_adagrad(isa, rng):
    p, acc = _params(rng), [np.full(s, 0.1, np.float32) for s in SHAPES]
    rp, racc = [x.astype(np.float64) for x in p], [a.copy() for a in acc]
    for _ in range(STEPS):
        g = _grads(rng)
        kernn.ops.adagrad_update(p, g, acc, learning_rate=0.001, epsilon=1e-7)
        rp, racc = ref.adagrad(rp, g, racc, 0.001, 1e-7)
    _close(p, rp)
    _close(acc, racc)


def test_adamax(isa, rng):
    p, m, u = _params(rng), _zeros(), _zeros()
    rp, rm, ru = [x.astype(np.float64) for x in p], _zeros(), _zeros()
    for step in range(1, STEPS + 1):
        g = _grads(rng)
        kernn.ops.adamax_update(p, g, m, u, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=step)
        rp, rm, ru = ref.adamax(rp, g, rm, ru, 0.001, 0.9, 0.999, 1e-7, step)
    _close(p, rp)
    _close(m, rm)
    _close(u, ru)


def test_nadam(isa, rng):
    p, m, v = _params(rng), _zeros(), _zeros()
    rp, rm, rv = [x.astype(np.float64) for x in p], _zeros(), _zeros()
    u_product = 1.0
    for step in range(1, STEPS + 1):
        g = _grads(rng)
        u_t, u_t1, u_product, u_product1 = ref.nadam_schedule(0.9, step, u_product)
        kernn.ops.nadam_update(p, g, m, v, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=step,
                               u_t=u_t, u_t1=u_t1, u_product_t=u_product, u_product_t1=u_product1)
        rp, rm, rv = ref.nadam(rp, g, rm, rv, 0.001, 0.9, 0.999, 1e-7, step, u_t, u_t1, u_product, u_product1)
    _close(p, rp)
    _close(m, rm)
    _close(v, rv)


def test_variables_are_updated_in_place(rng):
    from kernn.variables import Variable

    w = Variable(rng.standard_normal((3, 4)), "kernel")
    before = w.value
    w.grad[...] = 1.0
    m, v = Variable(np.zeros((3, 4)), "m"), Variable(np.zeros((3, 4)), "v")
    kernn.ops.adam_update([w], [w.grad], [m], [v], None, learning_rate=0.1, beta_1=0.9, beta_2=0.999,
                          epsilon=1e-7, step=1, amsgrad=False)
    assert w.value is before
    np.testing.assert_allclose(m.value, 0.1, rtol=1e-6)


def test_results_do_not_depend_on_thread_count(rng):
    p0, g = _params(rng), _grads(rng)
    res = []
    for n in (1, 3):
        kernn.set_num_threads(n)
        p, m, v = [x.copy() for x in p0], _zeros(), _zeros()
        kernn.ops.adam_update(p, g, m, v, None, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                              step=1, amsgrad=False)
        res.append(p)
    for a, b in zip(*res):
        np.testing.assert_array_equal(a, b)


def test_bad_input():
    p = [np.zeros(3, np.float32), np.zeros((2, 2), np.float32)]
    g = [np.zeros(3), np.zeros((2, 2))]
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(4,\) but params\[1\] has shape \(2, 2\)"):
        kernn.ops.sgd_update(p, [np.zeros(3), np.zeros(4)], None, learning_rate=0.1, momentum=0.0, nesterov=False)
    with pytest.raises(ValueError, match="grads has 1 arrays but params has 2"):
        kernn.ops.sgd_update(p, g[:1], None, learning_rate=0.1, momentum=0.0, nesterov=False)
    with pytest.raises(ValueError, match=r"ms\[1\] has shape \(4,\) but params\[1\] has shape \(2, 2\)"):
        kernn.ops.adam_update(p, g, [np.zeros(3, np.float32), np.zeros(4, np.float32)], p, None,
                              learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=1, amsgrad=False)
    with pytest.raises(ValueError, match="velocities is required here"):
        kernn.ops.sgd_update(p, g, None, learning_rate=0.1, momentum=0.9, nesterov=False)
    with pytest.raises(ValueError, match="vhats must be None here"):
        kernn.ops.adam_update(p, g, p, p, p, learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=1,
                              amsgrad=False)
    with pytest.raises(TypeError, match=r"params\[0\] must be a float32 numpy array"):
        kernn.ops.adagrad_update([np.zeros(3)], [np.zeros(3)], [np.zeros(3, np.float32)], learning_rate=0.1,
                                 epsilon=1e-7)
    with pytest.raises(ValueError, match=r"accumulators\[0\] must be a writable C-contiguous array"):
        kernn.ops.adagrad_update([np.zeros(3, np.float32)], [np.zeros(3)], [np.zeros(6, np.float32)[::2]],
                                 learning_rate=0.1, epsilon=1e-7)
    with pytest.raises(ValueError, match="step is the 1-based iteration"):
        kernn.ops.adamax_update(p, g, p, p, learning_rate=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=0)
    with pytest.raises(TypeError, match="params must be a list of arrays"):
        kernn.ops.sgd_update(np.zeros(3, np.float32), g, None, learning_rate=0.1, momentum=0.0, nesterov=False)


def test_core_checks_shapes_itself():
    """The binding repeats the checks (for callers of _core), naming the index and shapes."""
    from kernn import _core

    p = [np.zeros(3, np.float32)]
    with pytest.raises(ValueError, match=r"params\[0\] has shape \(3,\) but grads\[0\] has shape \(4,\)"):
        _core.optimizer_update("sgd", p, [np.zeros(4, np.float32)], None, None, None, 0.1, 0.0, 0.9, 0.999,
                               1e-7, 0.9, False, False, False, 1, 0, 0, 0, 0)
    with pytest.raises(ValueError, match="tensor 0 lacks optimizer slot 0"):
        _core.optimizer_update("adam", p, [np.zeros(3, np.float32)], None, None, None, 0.1, 0.0, 0.9, 0.999,
                               1e-7, 0.9, False, False, False, 1, 0, 0, 0, 0)
