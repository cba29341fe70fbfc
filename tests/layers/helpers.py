"""run_layer_test: the basic checks every layer gets (Keras's testing.TestCase.run_layer_test)."""
import numpy as np

import kernn


def run_layer_test(layer_cls, init_kwargs, input_shape, expected_output_shape, expected_num_trainable_weights=0,
                   expected_num_non_trainable_weights=0, expected_weight_shapes=None, input_data=None,
                   training=False, seed=0):
    """Build and call a layer and check shapes, weights, backward shape and config round trip.

    Returns the layer (called once on `input_data` or random data of `input_shape`).
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(input_shape).astype(np.float32) if input_data is None else input_data
    layer = layer_cls(**init_kwargs)
    y = layer(x, training=training)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    assert y.shape == tuple(expected_output_shape), (y.shape, expected_output_shape)
    sym = (None,) + tuple(input_shape[1:])
    assert layer.compute_output_shape(sym) == (None,) + tuple(expected_output_shape[1:])
    assert len(layer.trainable_weights) == expected_num_trainable_weights
    assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    assert len(layer.weights) == expected_num_trainable_weights + expected_num_non_trainable_weights
    if expected_weight_shapes is not None:
        assert [tuple(w.shape) for w in layer.weights] == [tuple(s) for s in expected_weight_shapes]
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = layer.backward(g)
    if dx is not None:
        assert dx.shape == x.shape
    # config round trip: the rebuilt layer has the same config, and the same outputs given
    # the same weights
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config
    clone(x, training=False)
    clone.set_weights(layer.get_weights())
    if not training:
        np.testing.assert_allclose(clone(x), layer(x), rtol=1e-6, atol=1e-6)
    # inside a Sequential model, with symbolic shapes
    fresh = layer_cls.from_config({**config, "name": config["name"] + "_in_model"})
    model = kernn.Sequential([kernn.Input(shape=tuple(input_shape[1:])), fresh])
    assert model.output_shape == (None,) + tuple(expected_output_shape[1:])
    return layer
