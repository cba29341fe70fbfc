"""Property-based pooling tests: hypothesis draws shapes (1 and odd sizes included), pool
sizes, strides (default = pool size), valid / same padding and max / average mode, and
compares kernn.ops pooling forward and backward (1-D, 2-D and global) with the float64
references. Max backward routes each gradient to the first maximum of its window.

CI runs the "ci" profile; for a long run:
    KERNN_HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import kernn
from reference import pool as ref

small = st.integers(min_value=1, max_value=3)
sizes = st.integers(min_value=1, max_value=9)
modes = st.sampled_from(["max", "average"])
paddings = st.sampled_from(["valid", "same"])
threads = st.sampled_from([1, 2])
seeds = st.integers(0, 2**16)


def _check(x, g_seed, pool, strides, padding, mode, forward, backward):
    """Compares y = forward(x) and dx = backward(x, g) with the reference on (n, h, w, c)."""
    x4 = x if x.ndim == 4 else x[:, None]
    want = ref.pool2d(x4, pool, strides, padding, mode)
    y = forward()
    assert y.shape == (want.shape if x.ndim == 4 else want[:, 0].shape)
    np.testing.assert_allclose(y.reshape(want.shape), want, rtol=1e-6, atol=1e-6)
    g = np.random.default_rng(g_seed).standard_normal(y.shape, dtype=np.float32)
    dx = backward(g)
    want_dx = ref.pool2d_backward(x4, g.reshape(want.shape), pool, strides, padding, mode)
    np.testing.assert_allclose(dx.reshape(want_dx.shape), want_dx, rtol=1e-5, atol=1e-5)


@given(n=small, h=sizes, w=sizes, c=st.integers(1, 20), ph=st.integers(1, 4), pw=st.integers(1, 4),
       strides=st.one_of(st.none(), st.tuples(small, small)), padding=paddings, mode=modes, th=threads, seed=seeds)
def test_pool2d_forward_and_backward(n, h, w, c, ph, pw, strides, padding, mode, th, seed):
    x = np.random.default_rng(seed).standard_normal((n, h, w, c), dtype=np.float32)
    s = (ph, pw) if strides is None else strides
    with kernn.threads(th):
        _check(x, seed + 1, (ph, pw), s, padding, mode,
               lambda: kernn.ops.pool2d(x, (ph, pw), strides, padding, mode),
               lambda g: kernn.ops.pool2d_backward(x, g, (ph, pw), strides, padding, mode))


@given(n=small, steps=st.integers(1, 12), c=st.integers(1, 9), p=st.integers(1, 5),
       strides=st.one_of(st.none(), small), padding=paddings, mode=modes, seed=seeds)
def test_pool1d_forward_and_backward(n, steps, c, p, strides, padding, mode, seed):
    x = np.random.default_rng(seed).standard_normal((n, steps, c), dtype=np.float32)
    s = p if strides is None else strides
    _check(x, seed + 1, (1, p), (1, s), padding, mode,
           lambda: kernn.ops.pool1d(x, p, strides, padding, mode),
           lambda g: kernn.ops.pool1d_backward(x, g, p, strides, padding, mode))


@given(shape=st.one_of(st.tuples(small, sizes, sizes, small), st.tuples(small, sizes, small)), mode=modes,
       seed=seeds)
def test_global_pool_forward_and_backward(shape, mode, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape, dtype=np.float32)
    axes = tuple(range(1, x.ndim - 1))
    y = kernn.ops.global_pool(x, mode)
    want = x.max(axis=axes) if mode == "max" else x.astype(np.float64).mean(axis=axes)
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    x4 = x if x.ndim == 4 else x[:, None]
    want_dx = ref.pool2d_backward(x4, g[:, None, None], x4.shape[1:3], (1, 1), "valid", mode).reshape(shape)
    np.testing.assert_allclose(kernn.ops.global_pool_backward(x, g, mode), want_dx, rtol=1e-5, atol=1e-6)
