"""Flatten, Reshape, Permute, RepeatVector."""
import numpy as np
import pytest

from helpers import run_layer_test
from kernn import layers
from reference import layers as ref


def test_flatten():
    run_layer_test(layers.Flatten, {}, (2, 3, 4), (2, 12))
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    layer = layers.Flatten()
    np.testing.assert_array_equal(layer(x), ref.flatten(x))
    g = np.arange(24, dtype=np.float32).reshape(2, 12)
    np.testing.assert_array_equal(layer.backward(g), ref.flatten_backward(x.shape, g))
    cf = layers.Flatten(data_format="channels_first")
    np.testing.assert_array_equal(cf(x), np.moveaxis(x, 1, -1).reshape(2, -1))
    np.testing.assert_array_equal(cf.backward(cf(x)), x)


def test_reshape():
    run_layer_test(layers.Reshape, {"target_shape": (4, 3)}, (2, 12), (2, 4, 3))
    run_layer_test(layers.Reshape, {"target_shape": (-1, 2)}, (2, 3, 4), (2, 6, 2))
    with pytest.raises(ValueError, match="at most one unknown dimension"):
        layers.Reshape((-1, -1))
    with pytest.raises(ValueError, match=r"total size of the input \(12\)"):
        layers.Reshape((5,))(np.zeros((2, 12)))


def test_permute():
    run_layer_test(layers.Permute, {"dims": (2, 1)}, (2, 3, 4), (2, 4, 3))
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5)).astype(np.float32)
    layer = layers.Permute((3, 1, 2))
    np.testing.assert_array_equal(layer(x), ref.permute(x, (3, 1, 2)))
    g = np.random.default_rng(1).standard_normal((2, 5, 3, 4)).astype(np.float32)
    np.testing.assert_array_equal(layer.backward(g), ref.permute_backward(g, (3, 1, 2)))
    with pytest.raises(ValueError, match=r"must be consecutive and start from 1. Received dims=\(0, 1\)"):
        layers.Permute((0, 1))


def test_repeat_vector():
    run_layer_test(layers.RepeatVector, {"n": 3}, (2, 4), (2, 3, 4))
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    layer = layers.RepeatVector(3)
    np.testing.assert_array_equal(layer(x), ref.repeat_vector(x, 3))
    g = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(np.float32)
    np.testing.assert_allclose(layer.backward(g), ref.repeat_vector_backward(g), rtol=1e-6)
    with pytest.raises(TypeError, match="Expected an integer value for `n`"):
        layers.RepeatVector(2.5)
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layer(np.zeros((2, 3, 4)))
