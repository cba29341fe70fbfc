"""Property-based normalization tests: hypothesis draws shapes (rank 1 to 4, 1 and odd
sizes included), affine or plain, epsilons and the scale/offset of the data, and compares
batch normalization (training forward with its batch statistics, inference forward,
backward) and layer normalization (forward, backward) with the float64 references.

CI runs the "ci" profile; for a long run:
    KERNN_HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import kernn
from reference import norm as ref

shapes = st.lists(st.integers(1, 7), min_size=0, max_size=3).flatmap(
    lambda lead: st.integers(1, 40).map(lambda c: tuple(lead) + (c,)))
epsilons = st.sampled_from([1e-3, 1e-5, 0.1])
threads = st.sampled_from([1, 2])
seeds = st.integers(0, 2**16)


def _data(rng, shape, scale, offset):
    return (rng.standard_normal(shape) * scale + offset).astype(np.float32)


@given(shape=shapes, affine=st.booleans(), eps=epsilons, scale=st.sampled_from([0.5, 1.0, 3.0]),
       offset=st.sampled_from([-2.0, 0.0, 1.5]), th=threads, seed=seeds)
def test_batch_norm_train_inference_backward(shape, affine, eps, scale, offset, th, seed):
    rng = np.random.default_rng(seed)
    c = shape[-1]
    x = _data(rng, shape, scale, offset)
    gamma = rng.standard_normal(c).astype(np.float32) if affine else None
    beta = rng.standard_normal(c).astype(np.float32) if affine else None
    g_ref, b_ref = (1.0 if gamma is None else gamma), (0.0 if beta is None else beta)
    with kernn.threads(th):
        y, mean, var = kernn.ops.batch_norm_train(x, gamma, beta, eps)
        ry, rm, rv = ref.batch_norm_train(x, g_ref, b_ref, eps)
        # y = x * (gamma * rstd) + (beta - mean * gamma * rstd) in float32: a few ulps of
        # |x| * rstd * |gamma|, which is large when a channel's variance is ~0 (one row)
        amp = np.abs(x).max() / np.sqrt(rv.min() + eps) * max(1.0, np.abs(g_ref).max())
        np.testing.assert_allclose(y, ry, rtol=1e-4, atol=1e-4 + 5e-7 * amp)
        np.testing.assert_allclose(mean, rm, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(var, rv, rtol=1e-5, atol=1e-5 * scale * scale)
        grad = rng.standard_normal(shape).astype(np.float32)
        dx, dgamma, dbeta = kernn.ops.batch_norm_backward(x, grad, mean, var, gamma, eps)
        rdx, rdg, rdb = ref.batch_norm_backward(x, grad, g_ref, eps)
        n = x.size // c
        np.testing.assert_allclose(dx, rdx, rtol=1e-3, atol=1e-4 + 5e-7 * amp * np.abs(grad).max())
        np.testing.assert_allclose(dgamma, rdg, rtol=1e-4, atol=1e-5 * n + 5e-7 * amp * np.abs(grad).max() * n)
        np.testing.assert_allclose(dbeta, rdb, rtol=1e-4, atol=1e-5 * n)
        mm, mv = rng.standard_normal(c).astype(np.float32), (rng.random(c) + 0.5).astype(np.float32)
        yi = kernn.ops.batch_norm_inference(x, mm, mv, gamma, beta, eps)
    np.testing.assert_allclose(yi, ref.batch_norm_inference(x, g_ref, b_ref, mm, mv, eps), rtol=1e-5, atol=1e-5)


@given(shape=shapes, eps=epsilons, scale=st.sampled_from([0.5, 1.0, 3.0]), offset=st.sampled_from([-2.0, 0.0, 1.5]),
       th=threads, seed=seeds)
def test_layer_norm_forward_backward(shape, eps, scale, offset, th, seed):
    rng = np.random.default_rng(seed)
    c = shape[-1]
    x = _data(rng, shape, scale, offset)
    gamma, beta = rng.standard_normal(c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    with kernn.threads(th):
        y, mean, rstd = kernn.ops.layer_norm(x, gamma, beta, eps)
        np.testing.assert_allclose(y, ref.layer_norm(x, gamma, beta, eps), rtol=1e-4, atol=1e-4)
        grad = rng.standard_normal(shape).astype(np.float32)
        got = kernn.ops.layer_norm_backward(x, grad, mean, rstd, gamma)
    for a, r, what in zip(got, ref.layer_norm_backward(x, grad, gamma, eps), ("dx", "dgamma", "dbeta")):
        np.testing.assert_allclose(a, r, rtol=1e-3, atol=1e-3, err_msg=what)
