"""ReLU, LeakyReLU, ELU, Softmax: against the references, config, bad arguments."""
import numpy as np
import pytest

from helpers import run_layer_test
from kernn import layers
from reference import layers as ref


def _data(shape=(4, 6), seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2).astype(np.float32)
    x[np.abs(x) < 0.05] = 0.3
    g = rng.standard_normal(shape).astype(np.float32)
    return x, g


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 1.5}, {"negative_slope": 0.1},
                                    {"negative_slope": 0.1, "max_value": 1.5, "threshold": 0.5}],
                         ids=["plain", "max_value", "slope", "all"])
def test_relu_matches_reference(kwargs):
    run_layer_test(layers.ReLU, kwargs, (2, 3), (2, 3))
    x, g = _data()
    layer = layers.ReLU(**kwargs)
    np.testing.assert_allclose(layer(x), ref.relu_layer(x, **kwargs), rtol=1e-6)
    np.testing.assert_allclose(layer.backward(g), ref.relu_layer_backward(x, g, **kwargs), rtol=1e-6)


def test_relu_bad_arguments():
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative value. Received: "
                                         "max_value=-1"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer cannot be a negative value"):
        layers.ReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match="threshold of a ReLU layer cannot be a negative value"):
        layers.ReLU(threshold=-0.1)


def test_leaky_relu_default_slope_and_reference():
    assert layers.LeakyReLU().negative_slope == 0.3
    run_layer_test(layers.LeakyReLU, {"negative_slope": 0.2}, (2, 3, 4), (2, 3, 4))
    x, g = _data()
    layer = layers.LeakyReLU()
    np.testing.assert_allclose(layer(x), ref.leaky_relu(x, 0.3), rtol=1e-6)
    np.testing.assert_allclose(layer.backward(g), ref.leaky_relu_backward(x, g, 0.3), rtol=1e-6)
    with pytest.raises(ValueError, match="cannot be None or negative value. Expected a float. Received: "
                                         "negative_slope=-1"):
        layers.LeakyReLU(negative_slope=-1)


def test_elu_reference():
    run_layer_test(layers.ELU, {"alpha": 0.5}, (2, 3), (2, 3))
    x, g = _data()
    layer = layers.ELU(alpha=0.7)
    np.testing.assert_allclose(layer(x), ref.elu(x, 0.7), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.backward(g), ref.elu_backward(x, g, 0.7), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [-1, 1, 0])
def test_softmax_reference(axis):
    run_layer_test(layers.Softmax, {"axis": axis}, (2, 3, 4), (2, 3, 4))
    x, g = _data((3, 4, 5))
    layer = layers.Softmax(axis=axis)
    np.testing.assert_allclose(layer(x), ref.softmax(x, axis), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(layer.backward(g), ref.softmax_backward(x, g, axis), rtol=1e-4, atol=1e-6)


def test_softmax_mask_zeroes_masked_positions():
    x = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    y = layers.Softmax()(x, mask=np.array([[True, True, False]]))
    np.testing.assert_allclose(y, [[1 / (1 + np.e), np.e / (1 + np.e), 0.0]], rtol=1e-5)
