"""Sequential: construction, add/pop, building, summary, get_layer, direct calls."""
import numpy as np
import pytest

import kernn
from kernn import layers


def mlp(n_in=64):
    return kernn.Sequential([kernn.Input(shape=(n_in,)), layers.Dense(128, activation="relu"),
                             layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])


def test_build_from_input_and_shapes():
    model = mlp()
    assert model.built and model.input_shape == (None, 64) and model.output_shape == (None, 10)
    assert [la.__class__.__name__ for la in model.layers] == ["Dense"] * 3
    assert [tuple(w.shape) for w in model.weights] == [(64, 128), (128,), (128, 64), (64,), (64, 10), (10,)]
    assert model.count_params() == (64 * 128 + 128) + (128 * 64 + 64) + (64 * 10 + 10)


def test_lazy_build_on_first_data_and_direct_call():
    model = kernn.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    with pytest.raises(AttributeError):
        model.output_shape  # noqa: B018
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    y = model(x)
    assert model.built and y.shape == (3, 2) and model.output_shape == (None, 2)
    manual = x @ model.layers[0].kernel.value + model.layers[0].bias.value
    manual = manual @ model.layers[1].kernel.value + model.layers[1].bias.value
    np.testing.assert_allclose(y, manual, rtol=1e-5, atol=1e-6)


def test_build_explicit():
    model = kernn.Sequential([layers.Dense(3)])
    model.build((None, 7))
    assert model.count_params() == 7 * 3 + 3


def test_add_pop_get_layer():
    model = kernn.Sequential(name="m")
    model.add(kernn.Input(shape=(4,)))
    model.add(layers.Dense(3, name="a"))
    model.add(layers.Dense(2, name="b"))
    assert model.output_shape == (None, 2)
    assert model.get_layer("a") is model.layers[0] and model.get_layer(index=1).name == "b"
    with pytest.raises(ValueError, match=r"No such layer: c. Existing layers are: \['a', 'b'\]"):
        model.get_layer("c")
    with pytest.raises(ValueError, match="Was asked to retrieve layer at index 5 but model only has 2 layers"):
        model.get_layer(index=5)
    popped = model.pop()
    assert popped.name == "b" and model.output_shape == (None, 3)
    with pytest.raises(ValueError, match="should have unique names. Name 'a' is already"):
        model.add(layers.Dense(2, name="a"))
    with pytest.raises(ValueError, match="Only instances of `keras.Layer` can be added"):
        model.add("dense")
    model.pop()
    with pytest.raises(TypeError, match="There are no layers in the model"):
        model.pop()


def test_unnamed_duplicate_gets_a_new_name():
    a = layers.Dense(2)
    b = layers.Dense(2, name=a.name + "_tmp")
    b.name = a.name
    b._auto_named = True
    model = kernn.Sequential([a, b])
    assert len({la.name for la in model.layers}) == 2


def test_wrong_input_shape_names_the_layer():
    model = mlp()
    with pytest.raises(ValueError, match=r'layer "dense\S*" is incompatible with the layer: expected axis -1 of '
                                         r"input shape to have value 64, but received input with shape \(None, 3\)"):
        model.predict(np.zeros((2, 3)), verbose=0)
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        model(np.zeros(64))


def _summary(model, **kw):
    lines = []
    model.summary(print_fn=lines.append, **kw)
    return "\n".join(lines).split("\n")


def test_summary_matches_keras_layout_and_counts():
    model = kernn.Sequential([kernn.Input(shape=(784,)), layers.Dense(64, activation="relu", name="d1"),
                              layers.Dropout(0.2, name="drop"), layers.Dense(10, name="d2")], name="seq")
    out = _summary(model, line_length=88)
    assert out[0] == 'Model: "seq"'
    # rich's layout at 88 columns: cells of 38, 29 and 17 characters inside the borders
    assert out[1] == "┏" + "━" * 38 + "┳" + "━" * 29 + "┳" + "━" * 17 + "┓"
    assert out[2] == "┃ " + "Layer (type)".ljust(36) + " ┃ " + "Output Shape".ljust(27) + " ┃ " + \
        "Param #".rjust(15) + " ┃"
    assert out[4] == "│ " + "d1 (Dense)".ljust(36) + " │ " + "(None, 64)".ljust(27) + " │ " + \
        "50,240".rjust(15) + " │"
    assert "drop (Dropout)" in out[6] and out[6].rstrip("│ ").endswith("0")
    assert "650" in out[8]
    assert out[-3] == " Total params: 50,890 (198.79 KB)"
    assert out[-2] == " Trainable params: 50,890 (198.79 KB)"
    assert out[-1] == " Non-trainable params: 0 (0.00 B)"
    assert all(len(line) == 88 for line in out[1:-3])


def test_summary_trainable_counts_after_freezing():
    model = mlp()
    model.layers[0].trainable = False
    out = _summary(model)
    frozen = 64 * 128 + 128
    total = model.count_params()
    assert f" Trainable params: {total - frozen:,}" in out[-2]
    assert f" Non-trainable params: {frozen:,}" in out[-1]


def test_summary_unbuilt_layers():
    model = kernn.Sequential([layers.Dense(3)])
    out = _summary(model)
    assert any("0 (unbuilt)" in line for line in out)


def test_get_set_weights_roundtrip_and_config():
    model = mlp()
    other = kernn.Sequential.from_config(model.get_config())
    assert [la.name for la in other.layers] == [la.name for la in model.layers]
    other.set_weights(model.get_weights())
    x = np.random.default_rng(0).random((5, 64)).astype(np.float32)
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_summary_counts_optimizer_state_after_training():
    model = kernn.Sequential([kernn.Input(shape=(3,)), layers.Dense(2)])
    model.compile("adam", "mse")
    assert not any("Optimizer params" in line for line in _summary(model))
    model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
    out = _summary(model)
    # Keras: iterations + learning rate + two slots per parameter
    assert out[-1] == " Optimizer params: 18 (76.00 B)" and out[-4] == " Total params: 26 (108.00 B)"
