"""kernn.activations: Keras's functions, identifiers and the gradient of each built-in."""
import functools

import numpy as np
import pytest

import kernn
from kernn import activations
from reference import activations as ref

X = np.linspace(-4, 4, 33, dtype=np.float32)

KERAS_FUNCTIONS = ["relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu", "gelu", "silu", "swish",
                   "softplus", "softsign", "hard_sigmoid", "hard_silu", "hard_swish", "exponential", "linear", "relu6",
                   "log_softmax", "mish", "log_sigmoid", "celu", "squareplus", "soft_shrink", "hard_shrink",
                   "hard_tanh", "tanh_shrink", "sparse_plus", "sparse_sigmoid"]


@pytest.mark.parametrize("name", KERAS_FUNCTIONS)
def test_get_serialize_round_trip(name):
    fn = activations.get(name)
    assert callable(fn) and fn is getattr(activations, name)
    assert activations.get(activations.serialize(fn)) is fn
    assert activations.deserialize(activations.serialize(fn)) is fn
    out = fn(X)
    assert out.dtype == np.float32 and out.shape == X.shape


def test_aliases_and_keras_defaults():
    assert activations.swish is activations.silu and activations.serialize(activations.swish) == "silu"
    assert activations.get(None) is activations.linear
    # Keras's defaults: leaky_relu slope 0.2, gelu exact (erf), hard_sigmoid = relu6(x + 3) / 6
    np.testing.assert_allclose(activations.leaky_relu(np.array([-1.0])), [-0.2], rtol=1e-7)
    np.testing.assert_allclose(activations.gelu(X), ref.forward(X, "gelu"), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(activations.gelu(X, approximate=True), ref.forward(X, "gelu_tanh"), rtol=1e-6,
                               atol=1e-7)
    np.testing.assert_allclose(activations.hard_sigmoid(np.array([-4.0, 0.0, 1.5, 4.0])), [0, 0.5, 0.75, 1])
    np.testing.assert_allclose(activations.relu(X, negative_slope=0.1, max_value=2.0, threshold=0.5),
                               ref.relu(X.astype(np.float64), 0.1, 2.0, 0.5), rtol=1e-6)


def test_softmax_axis():
    x = np.random.default_rng(0).standard_normal((3, 4, 5)).astype(np.float32)
    for axis in (0, 1, -1):
        got = activations.softmax(x, axis=axis)
        want = np.exp(x - x.max(axis=axis, keepdims=True))
        want /= want.sum(axis=axis, keepdims=True)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.exp(activations.log_softmax(x, axis=1)), activations.softmax(x, axis=1),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="axis must be an integer in"):
        activations.softmax(x, axis=3)


def test_get_passes_callables_and_rejects_unknown():
    def custom(x):
        return x * 2

    assert activations.get(custom) is custom
    assert activations.get({"class_name": "function", "config": "relu"}) is activations.relu
    for bad in ("relu7", 3, {"class_name": "function", "config": "nope"}):
        with pytest.raises(ValueError, match="Could not interpret activation function identifier"):
            activations.get(bad)
    assert activations.serialize(custom) == "custom"
    assert activations.deserialize("custom", custom_objects={"custom": custom}) is custom
    with pytest.raises(ValueError, match="Could not serialize"):
        activations.serialize(lambda x: x)


@pytest.mark.parametrize("name", [n for n in KERAS_FUNCTIONS if n not in ("softmax", "log_softmax")])
def test_backward_matches_reference(name):
    fn = activations.get(name)
    g = np.random.default_rng(1).standard_normal(X.shape).astype(np.float32)
    ref_name = {"swish": "silu", "hard_swish": "hard_silu"}.get(name, name)
    got = activations.backward(fn, X, fn(X), g)
    np.testing.assert_allclose(got, ref.backward(X, g, ref_name), rtol=1e-6, atol=1e-6)


def test_backward_of_softmax_and_partials():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5)).astype(np.float32)
    g = rng.standard_normal((3, 5)).astype(np.float32)
    y = activations.softmax(x)
    np.testing.assert_allclose(activations.backward(activations.softmax, x, y, g), ref.softmax_backward(y, g),
                               rtol=1e-5, atol=1e-6)
    y0 = activations.softmax(x, axis=0)
    got = activations.backward(functools.partial(activations.softmax, axis=0), x, y0, g)
    np.testing.assert_allclose(got, ref.softmax_backward(y0.T, g.T).T, rtol=1e-5, atol=1e-6)
    capped = functools.partial(activations.relu, max_value=1.0)
    np.testing.assert_allclose(activations.backward(capped, X, capped(X), np.ones_like(X)),
                               ref.derivative(X, "relu", max_value=1.0))


def test_backward_rejects_custom_functions():
    def my_act(x):
        return x

    with pytest.raises(ValueError, match="Cannot compute the gradient of activation 'my_act'"):
        activations.backward(my_act, X, X, X)


def test_module_is_exported():
    assert kernn.activations is activations
