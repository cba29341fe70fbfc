"""Dropout: inverted, only in training, seeded, noise_shape, argument checks."""
import numpy as np
import pytest

import kernn
from helpers import run_layer_test
from kernn import layers
from reference import layers as ref


def test_dropout_basics():
    run_layer_test(layers.Dropout, {"rate": 0.5}, (4, 6), (4, 6))
    run_layer_test(layers.Dropout, {"rate": 0.5, "seed": 3}, (4, 6), (4, 6), training=True)


def test_dropout_identity_outside_training():
    x = np.random.default_rng(0).standard_normal((8, 5)).astype(np.float32)
    layer = layers.Dropout(0.5)
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer(x, training=False), x)
    np.testing.assert_array_equal(layer.backward(x), x)


def test_dropout_training_is_inverted_and_backward_uses_the_mask():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((200, 50)).astype(np.float32)
    layer = layers.Dropout(0.3, seed=1)
    y = layer(x, training=True)
    keep = (y != 0).astype(np.float64)
    np.testing.assert_allclose(y, ref.dropout(x, keep, 0.3), rtol=1e-6)
    assert abs(keep.mean() - 0.7) < 0.02
    g = rng.standard_normal(x.shape).astype(np.float32)
    np.testing.assert_allclose(layer.backward(g), ref.dropout_backward(g, keep, 0.3), rtol=1e-6)


def test_dropout_seeded_and_repeatable():
    x = np.ones((10, 10), dtype=np.float32)
    a = layers.Dropout(0.5, seed=42)(x, training=True)
    b = layers.Dropout(0.5, seed=42)(x, training=True)
    np.testing.assert_array_equal(a, b)
    kernn.utils.set_random_seed(7)
    c = layers.Dropout(0.5)(x, training=True)
    kernn.utils.set_random_seed(7)
    d = layers.Dropout(0.5)(x, training=True)
    np.testing.assert_array_equal(c, d)


def test_dropout_noise_shape_shares_mask():
    x = np.ones((4, 3, 5), dtype=np.float32)
    y = layers.Dropout(0.5, noise_shape=(None, 1, 5), seed=0)(x, training=True)
    assert np.all(y == y[:, :1, :])


@pytest.mark.parametrize("rate", [-0.1, 1.5, "a"])
def test_dropout_rate_validated(rate):
    with pytest.raises(ValueError, match=r"Expected a float value between 0 and 1. Received: rate="):
        layers.Dropout(rate)
