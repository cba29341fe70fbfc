"""Dense and Activation: shapes, weights, config, forward/backward against the references."""
import numpy as np
import pytest

import kernn
from helpers import run_layer_test
from kernn import layers
from reference import layers as ref


@pytest.fixture(autouse=True)
def _one_thread():
    kernn.set_num_threads(1)


def test_dense_basics():
    run_layer_test(layers.Dense, {"units": 3}, (2, 4), (2, 3), expected_num_trainable_weights=2,
                   expected_weight_shapes=[(4, 3), (3,)])
    run_layer_test(layers.Dense, {"units": 3, "use_bias": False, "activation": "relu"}, (2, 5, 4), (2, 5, 3),
                   expected_num_trainable_weights=1, expected_weight_shapes=[(4, 3)])


@pytest.mark.parametrize("activation", ["linear", "relu", "sigmoid", "tanh", "softmax", "elu"])
@pytest.mark.parametrize("shape", [(5, 7), (1, 7), (2, 3, 7)], ids=["2d", "batch1", "3d"])
def test_dense_forward_backward_matches_reference(activation, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    layer = layers.Dense(4, activation=activation, bias_initializer="random_normal")
    y = layer(x, training=True)
    k, b = layer.kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(y, ref.dense(x, k, b, activation), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = layer.backward(g)
    rdx, rdk, rdb = ref.dense_backward(x, k, b, g, activation)
    np.testing.assert_allclose(dx, rdx, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.kernel.grad, rdk, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.bias.grad, rdb, rtol=1e-4, atol=1e-5)
    layer.backward(g)  # gradients accumulate
    np.testing.assert_allclose(layer.kernel.grad, 2 * rdk, rtol=1e-4, atol=1e-5)


def test_dense_known_numbers_and_keras_weight_order():
    layer = layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
    y = layer(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_array_equal(y, [[7.0, 7.0]])
    assert [w.path for w in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]
    assert layer.count_params() == 3 * 2 + 2


def test_dense_bad_arguments():
    with pytest.raises(ValueError, match=r"expected a positive integer. Received: units=0"):
        layers.Dense(0)
    with pytest.raises(ValueError, match=r"Received: units=-2"):
        layers.Dense(-2)
    msg = "Unrecognized keyword arguments passed to Dense: {'unit': 3}. Did you mean 'units'?"
    with pytest.raises(ValueError, match=msg.replace("(", r"\(").replace("?", r"\?").replace("{", r"\{")
                       .replace("}", r"\}").replace(".", r"\.")):
        layers.Dense(3, unit=3)
    with pytest.raises(ValueError, match="Could not interpret activation function identifier: relux"):
        layers.Dense(3, activation="relux")


def test_dense_wrong_input_feature_count_names_layer_and_shapes():
    layer = layers.Dense(3, name="my_dense")
    layer(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r'layer "my_dense" is incompatible with the layer: expected axis -1 of '
                                         r"input shape to have value 4, but received input with shape \(2, 5\)"):
        layer(np.zeros((2, 5)))
    with pytest.raises(ValueError, match=r'layer "my_dense".*expected min_ndim=2, found ndim=1'):
        layer(np.zeros(4))


def test_automatic_unique_names():
    a, b = layers.Dense(1), layers.Dense(1)
    assert a.name.startswith("dense") and b.name.startswith("dense") and a.name != b.name
    assert layers.ReLU().name.startswith("re_lu")
    assert layers.LeakyReLU().name.startswith("leaky_re_lu")


def test_set_weights_checks_count_and_shapes():
    layer = layers.Dense(2, name="d")
    layer(np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"on layer 'd' with a weight list of length 1, but the layer was "
                                         r"expecting 2 weights"):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"Layer d weight shape \(3, 2\) is not compatible with provided weight "
                                         r"shape \(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    layer.set_weights([np.ones((3, 2)), np.full(2, 0.5)])
    np.testing.assert_array_equal(layer(np.ones((1, 3))), [[3.5, 3.5]])


def test_trainable_false_freezes():
    layer = layers.Dense(2)
    layer(np.zeros((1, 3)))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


def test_count_params_unbuilt_raises():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()


def test_losses_collect_regularization():
    layer = layers.Dense(2, kernel_initializer="ones", kernel_regularizer=kernn.regularizers.L2(0.5))
    layer(np.zeros((1, 3)))
    assert layer.losses == [pytest.approx(0.5 * 6)]


def test_activation_layer():
    rng = np.random.default_rng(1)
    run_layer_test(layers.Activation, {"activation": "tanh"}, (3, 4), (3, 4))
    x = rng.standard_normal((3, 4)).astype(np.float32)
    g = rng.standard_normal((3, 4)).astype(np.float32)
    layer = layers.Activation("sigmoid")
    np.testing.assert_allclose(layer(x), 1 / (1 + np.exp(-x.astype(np.float64))), rtol=1e-5)
    from reference import activations as ref_act
    np.testing.assert_allclose(layer.backward(g), ref_act.backward(x, g, "sigmoid"), rtol=1e-4, atol=1e-6)


def test_input_shape_keyword_on_first_layer():
    with pytest.warns(UserWarning, match="prefer using an `Input\\(shape\\)` object"):
        first = layers.Dense(4, input_shape=(3,))
    model = kernn.Sequential([first, layers.Dense(2)])
    assert model.input_shape == (None, 3) and model.output_shape == (None, 2)
    with pytest.warns(UserWarning):
        first = layers.Dense(4, input_dim=5)
    model = kernn.Sequential([first])
    assert model.input_shape == (None, 5)
    model = kernn.Sequential([layers.Dense(4, batch_input_shape=(8, 5))])
    assert model.input_shape == (8, 5)


def test_custom_layer_predicts_and_says_it_cannot_train_without_backward():
    class Double(layers.Layer):
        def call(self, inputs):
            return inputs * 2

    model = kernn.Sequential([kernn.Input(shape=(3,)), layers.Dense(2), Double(name="double")])
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 2)
    model.compile("sgd", "mse")
    with pytest.raises(NotImplementedError, match=r"Layer 'double' \(Double\) does not implement backward"):
        model.fit(np.ones((2, 3)), np.ones((2, 2)), verbose=0)


def test_weights_keyword_sets_initial_weights():
    w = [np.full((3, 2), 0.5, np.float32), np.ones(2, np.float32)]
    layer = layers.Dense(2, weights=w)
    np.testing.assert_array_equal(layer(np.ones((1, 3))), [[2.5, 2.5]])
