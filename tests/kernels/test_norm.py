"""kernn.ops batch/layer normalization (C++) against the float64 NumPy reference, on every ISA."""
import numpy as np
import pytest

import kernn
from reference import norm as ref

SHAPES = {"rows1_c1": (1, 1), "vec_c7": (5, 7), "image_b3": (3, 4, 5, 6), "image_b1_c33": (1, 3, 3, 33),
          "many_rows": (2000, 3), "nwc": (3, 9, 16)}


@pytest.mark.parametrize("affine", [True, False], ids=["affine", "plain"])
@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_batch_norm(isa, rng, shape, affine):
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    c = shape[-1]
    gamma = rng.standard_normal(c).astype(np.float32) if affine else None
    beta = rng.standard_normal(c).astype(np.float32) if affine else None
    y, mean, var = kernn.ops.batch_norm_train(x, gamma, beta, 1e-3)
    ry, rm, rv = ref.batch_norm_train(x, 1.0 if gamma is None else gamma, 0.0 if beta is None else beta, 1e-3)
    np.testing.assert_allclose(y, ry, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(mean, rm, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(var, rv, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(shape).astype(np.float32)
    dx, dgamma, dbeta = kernn.ops.batch_norm_backward(x, g, mean, var, gamma, 1e-3)
    rdx, rdg, rdb = ref.batch_norm_backward(x, g, 1.0 if gamma is None else gamma, 1e-3)
    n = x.size // c
    np.testing.assert_allclose(dx, rdx, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(dgamma, rdg, rtol=1e-4, atol=1e-5 * n)
    np.testing.assert_allclose(dbeta, rdb, rtol=1e-4, atol=1e-5 * n)
    mm, mv = rng.standard_normal(c).astype(np.float32), rng.random(c).astype(np.float32) + 0.5
    yi = kernn.ops.batch_norm_inference(x, mm, mv, gamma, beta, 1e-3)
    ryi = ref.batch_norm_inference(x, 1.0 if gamma is None else gamma, 0.0 if beta is None else beta, mm, mv, 1e-3)
    np.testing.assert_allclose(yi, ryi, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", list(SHAPES.values()), ids=list(SHAPES))
def test_layer_norm(isa, rng, shape):
    x = (rng.standard_normal(shape) * 2 - 1).astype(np.float32)
    c = shape[-1]
    gamma, beta = rng.standard_normal(c).astype(np.float32), rng.standard_normal(c).astype(np.float32)
    y, mean, rstd = kernn.ops.layer_norm(x, gamma, beta, 1e-3)
    np.testing.assert_allclose(y, ref.layer_norm(x, gamma, beta, 1e-3), rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(shape).astype(np.float32)
    got = kernn.ops.layer_norm_backward(x, g, mean, rstd, gamma)
    want = ref.layer_norm_backward(x, g, gamma, 1e-3)
    for a, r in zip(got, want):
        np.testing.assert_allclose(a, r, rtol=1e-3, atol=1e-3)


def test_batch_norm_thread_count_invariant(rng):
    x = rng.standard_normal((4096, 8)).astype(np.float32)
    kernn.set_num_threads(1)
    a = kernn.ops.batch_norm_train(x)
    kernn.set_num_threads(3)
    b = kernn.ops.batch_norm_train(x)
    for u, v in zip(a, b):
        assert np.array_equal(u, v)


def test_norm_errors():
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\) to match the last axis of x. "
                                         r"Received: gamma.shape=\(4,\)"):
        kernn.ops.batch_norm_train(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match=r"moving_mean is required"):
        kernn.ops.batch_norm_inference(np.ones((2, 3)), None, np.ones(3))
