"""Initializers: Keras's fan rules, distribution statistics, orthogonality, seeds, registry."""
import math

import numpy as np
import pytest

from kernn import initializers
from kernn.utils import random as krandom
from kernn.utils import set_random_seed


@pytest.mark.parametrize("shape,fans", [((), (1, 1)), ((7,), (7, 7)), ((3, 5), (3, 5)),
                                        ((3, 3, 4, 8), (36, 72)), ((5, 2, 6), (10, 30))],
                         ids=["scalar", "vector", "dense", "conv2d", "conv1d"])
def test_compute_fans_as_keras(shape, fans):
    assert initializers.compute_fans(shape) == fans


@pytest.mark.parametrize("name,scale,mode,dist", [
    ("glorot_uniform", 1.0, "fan_avg", "uniform"), ("glorot_normal", 1.0, "fan_avg", "normal"),
    ("he_uniform", 2.0, "fan_in", "uniform"), ("he_normal", 2.0, "fan_in", "normal"),
    ("lecun_uniform", 1.0, "fan_in", "uniform"), ("lecun_normal", 1.0, "fan_in", "normal"),
])
def test_variance_scaling_statistics(name, scale, mode, dist):
    shape = (3, 3, 40, 60)
    w = initializers.get(name)(shape)
    assert w.shape == shape and w.dtype == np.float32
    fan_in, fan_out = 360, 540
    fan = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    var = scale / fan
    if dist == "uniform":
        limit = math.sqrt(3 * var)
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    else:
        # truncated at 2 stddev of the corrected normal, whose variance then equals `var`
        assert np.abs(w).max() <= 2 * math.sqrt(var) / 0.87962566103423978 + 1e-6
    assert w.var() == pytest.approx(var, rel=0.03)
    assert abs(w.mean()) < 0.05 * math.sqrt(var)


def test_random_normal_uniform_truncated():
    shape = (200, 300)
    n = initializers.RandomNormal(mean=1.0, stddev=0.5, seed=1)(shape)
    assert n.mean() == pytest.approx(1.0, abs=0.01) and n.std() == pytest.approx(0.5, rel=0.02)
    u = initializers.RandomUniform(minval=-2, maxval=3, seed=1)(shape)
    assert u.min() >= -2 and u.max() < 3 and u.mean() == pytest.approx(0.5, abs=0.02)
    t = initializers.TruncatedNormal(stddev=1.0, seed=1)(shape)
    assert np.abs(t).max() <= 2.0 and t.std() == pytest.approx(0.8796, rel=0.02)
    d = initializers.get("random_normal")((1000,))
    assert d.std() == pytest.approx(0.05, rel=0.1)


@pytest.mark.parametrize("shape", [(4, 12), (12, 4), (6, 6), (3, 3, 2, 8)], ids=["wide", "tall", "square", "conv"])
def test_orthogonal(shape):
    w = initializers.Orthogonal(gain=2.0, seed=3)(shape).astype(np.float64)
    flat = w.reshape(-1, shape[-1]) / 2.0
    rows, cols = flat.shape
    if rows <= cols:
        np.testing.assert_allclose(flat @ flat.T, np.eye(rows), atol=1e-5)
    else:
        np.testing.assert_allclose(flat.T @ flat, np.eye(cols), atol=1e-5)


def test_orthogonal_recurrent_kernel_rows_orthonormal_whole_matrix():
    u = 5
    w = initializers.get("orthogonal")((u, 4 * u)).astype(np.float64)
    np.testing.assert_allclose(w @ w.T, np.eye(u), atol=1e-5)


def test_constant_zeros_ones_identity():
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((2,)), np.ones(2))
    np.testing.assert_array_equal(initializers.Constant(3.5)((2, 2)), np.full((2, 2), 3.5))
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)), 2 * np.eye(2, 3))
    with pytest.raises(ValueError, match=r"Identity matrix initializer can only be used for 2D matrices. "
                                         r"Received: shape=\(2, 2, 2\) of rank 3."):
        initializers.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match="at least two-dimensional"):
        initializers.Orthogonal()((5,))


def test_seeded_initializer_repeats_and_unseeded_differs():
    a = initializers.GlorotUniform(seed=5)
    np.testing.assert_array_equal(a((3, 4)), a((3, 4)))
    np.testing.assert_array_equal(a((3, 4)), initializers.GlorotUniform(seed=5)((3, 4)))
    assert not np.array_equal(initializers.get("glorot_uniform")((3, 4)), initializers.get("glorot_uniform")((3, 4)))


def test_set_random_seed_makes_initializers_repeatable():
    set_random_seed(123)
    first = [initializers.get("he_normal")((4, 4)), initializers.RandomUniform()((3,)), krandom.new_rng().random(2)]
    set_random_seed(123)
    second = [initializers.get("he_normal")((4, 4)), initializers.RandomUniform()((3,)), krandom.new_rng().random(2)]
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)
    assert krandom.get_random_seed() == 123
    with pytest.raises(ValueError, match="non-negative integer. Received: seed=-1"):
        set_random_seed(-1)


def test_set_random_seed_seeds_python_and_numpy():
    import random

    set_random_seed(7)
    a = (random.random(), np.random.random())
    set_random_seed(7)
    assert a == (random.random(), np.random.random())


def test_variance_scaling_bad_arguments():
    with pytest.raises(ValueError, match="Argument `scale` must be positive float. Received: scale=0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="Invalid `mode` argument"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="Invalid `distribution` argument"):
        initializers.VarianceScaling(distribution="cauchy")


def test_get_registry_config_round_trip():
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    assert isinstance(initializers.get("he_normal"), initializers.HeNormal)
    assert isinstance(initializers.get(initializers.Zeros), initializers.Zeros)
    fn = lambda shape, dtype=None: np.zeros(shape)  # noqa: E731
    assert initializers.get(fn) is fn
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: glorot. Expected one of:"):
        initializers.get("glorot")
    for init in [initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=3), initializers.Orthogonal(0.5, 1),
                 initializers.Constant(2.0), initializers.HeUniform(seed=4)]:
        clone = initializers.deserialize(initializers.serialize(init))
        assert type(clone) is type(init) and clone.get_config() == init.get_config()
    np.testing.assert_array_equal(initializers.HeUniform(seed=4)((2, 2)),
                                  initializers.deserialize(initializers.serialize(initializers.HeUniform(seed=4)))((2, 2)))


@pytest.mark.parametrize("shape", [(256, 64), (64, 64), (300, 7), (9, 1), (5, 5)], ids=str)
def test_orthogonal_small_qr_matches_lapack(shape):
    """Small QRs run on NumPy's own loops (no OpenBLAS threads); they give LAPACK's Q."""
    from kernn.initializers import _qr
    a = np.random.default_rng(3).standard_normal(shape)
    q, r = _qr(a)
    q2, r2 = np.linalg.qr(a)
    np.testing.assert_allclose(q * np.sign(np.diag(r)), q2 * np.sign(np.diag(r2)), atol=1e-12)
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
