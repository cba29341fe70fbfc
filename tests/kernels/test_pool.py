"""kernn.ops pooling (C++) against the float64 NumPy reference, on every ISA."""
import numpy as np
import pytest

import kernn
from reference import pool as ref

# (batch, h, w, c, pool, strides, padding)
CASES = {
    "b1_p2_valid_even": (1, 6, 6, 3, (2, 2), (2, 2), "valid"),
    "b3_p2_same_odd": (3, 5, 7, 4, (2, 2), (2, 2), "same"),
    "b1_p3_s1_same": (1, 5, 5, 17, (3, 3), (1, 1), "same"),
    "b3_p3_s2_valid": (3, 7, 8, 2, (3, 3), (2, 2), "valid"),
    "b1_p32_s21_same": (1, 6, 5, 5, (3, 2), (2, 1), "same"),
    "b3_spatial1_same": (3, 1, 1, 6, (2, 2), (2, 2), "same"),
    "b1_p1": (1, 4, 3, 2, (1, 1), (1, 1), "valid"),
    "b1_overlap_p4_s1": (1, 6, 6, 33, (4, 4), (1, 1), "same"),
    "b2_p2_s3_gaps": (2, 8, 7, 5, (2, 2), (3, 3), "valid"),  # cells in no window get 0
    "b1_p2_valid_odd": (1, 7, 7, 18, (2, 2), (2, 2), "valid"),  # the last row and column are in none
}


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_pool2d(isa, rng, case, mode):
    n, h, w, c, pool, strides, padding = CASES[case]
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    y = kernn.ops.pool2d(x, pool, strides, padding, mode)
    np.testing.assert_allclose(y, ref.pool2d(x, pool, strides, padding, mode), rtol=1e-6, atol=1e-6)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    dx = kernn.ops.pool2d_backward(x, g, pool, strides, padding, mode)
    np.testing.assert_allclose(dx, ref.pool2d_backward(x, g, pool, strides, padding, mode), rtol=1e-5, atol=1e-5)


def test_max_backward_routes_to_first_maximum(isa):
    x = np.ones((1, 2, 2, 1), np.float32)
    dx = kernn.ops.pool2d_backward(x, np.full((1, 1, 1, 1), 5.0), 2, mode="max")
    assert dx[0, :, :, 0].tolist() == [[5.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize("strides", [2, 3], ids=["tiled", "gaps"])
def test_max_backward_ties_go_to_the_first_in_row_major_order(isa, strides):
    # channel 0 ties at cells 1 and 2, channel 1 at cells 0 and 3; channel 2 starts with a NaN
    x = np.zeros((1, 3, 3, 3), np.float32)
    x[0, :2, :2, 0] = [[1.0, 3.0], [3.0, 2.0]]
    x[0, :2, :2, 1] = [[4.0, 1.0], [0.0, 4.0]]
    x[0, :2, :2, 2] = [[np.nan, 1.0], [2.0, 0.0]]
    g = np.full((1, 1, 1, 3), 7.0, np.float32)
    dx = kernn.ops.pool2d_backward(x, g, 2, strides, "valid", "max")
    assert dx[0, :2, :2, 0].tolist() == [[0.0, 7.0], [0.0, 0.0]]
    assert dx[0, :2, :2, 1].tolist() == [[7.0, 0.0], [0.0, 0.0]]
    assert dx[0, :2, :2, 2].tolist() == [[7.0, 0.0], [0.0, 0.0]]  # nothing compares greater than a NaN
    assert np.all(dx[0, 2, :, :] == 0) and np.all(dx[0, :, 2, :] == 0)


def test_average_same_counts_only_inside(isa):
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    y = kernn.ops.average_pool2d(x, 2, padding="same")
    assert y[0, :, :, 0].tolist() == [[2.0, 3.5], [6.5, 8.0]]


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("padding,steps", [("valid", 7), ("same", 7), ("same", 1)])
def test_pool1d(isa, rng, mode, padding, steps):
    x = rng.standard_normal((3, steps, 4), dtype=np.float32)
    y = kernn.ops.pool1d(x, 3, 2, padding, mode)
    want = ref.pool2d(x[:, None], (1, 3), (1, 2), padding, mode)[:, 0]
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    want_dx = ref.pool2d_backward(x[:, None], g[:, None], (1, 3), (1, 2), padding, mode)[:, 0]
    np.testing.assert_allclose(kernn.ops.pool1d_backward(x, g, 3, 2, padding, mode), want_dx, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("shape", [(2, 5, 6, 3), (3, 7, 4), (1, 1, 1, 2)], ids=str)
def test_global_pool(isa, rng, mode, shape):
    x = rng.standard_normal(shape, dtype=np.float32)
    axes = tuple(range(1, x.ndim - 1))
    y = kernn.ops.global_pool(x, mode)
    np.testing.assert_allclose(y, x.max(axis=axes) if mode == "max" else x.mean(axis=axes), rtol=1e-6, atol=1e-6)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    x4 = x if x.ndim == 4 else x[:, None]
    want = ref.pool2d_backward(x4, g[:, None, None], x4.shape[1:3], (1, 1), "valid", mode).reshape(shape)
    np.testing.assert_allclose(kernn.ops.global_pool_backward(x, g, mode), want, rtol=1e-5, atol=1e-6)


def test_pool_errors():
    with pytest.raises(ValueError, match=r"pool_size must be >= 1. Received: pool_size=0"):
        kernn.ops.max_pool2d(np.ones((1, 4, 4, 1)), 0)
    with pytest.raises(ValueError, match=r"max_pool2d: x must be 4-D"):
        kernn.ops.max_pool2d(np.ones((4, 4, 1)))
    with pytest.raises(ValueError, match=r"padding must be one of 'valid', 'same'. Received: padding='causal'"):
        kernn.ops.pool1d(np.ones((1, 4, 1)), 2, padding="causal")
