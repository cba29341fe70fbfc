"""Functional, subclassed and nested models against NumPy compositions of the same layers."""
import numpy as np
import pytest

import kernn
from kernn import layers


@pytest.fixture(autouse=True)
def _seed():
    kernn.utils.set_random_seed(3)
    kernn.layers.layer.clear_session()


def _tanh(x):
    return np.tanh(x)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _two_branch_model():
    a = kernn.Input(shape=(4,), name="a")
    b = kernn.Input(shape=(3,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    h1 = shared(layers.Dense(3, name="pa")(a))
    h2 = shared(b)
    o1 = layers.Dense(2, name="o1")(layers.Concatenate()([h1, h2]))
    o2 = layers.Dense(1, activation="sigmoid", name="o2")(layers.Add()([h1, h2]))
    return kernn.Model([a, b], [o1, o2], name="two")


def _np_forward(w, xa, xb):
    pk, pb, sk, sb, k1, b1, k2, b2 = w
    h1 = _tanh((xa @ pk + pb) @ sk + sb)
    h2 = _tanh(xb @ sk + sb)
    o1 = np.concatenate([h1, h2], axis=1) @ k1 + b1
    o2 = _sigmoid((h1 + h2) @ k2 + b2)
    return o1, o2


def _np_loss(w, xa, xb, ya, yb):
    o1, o2 = _np_forward(w, xa, xb)
    mse = np.mean(np.mean((o1 - ya) ** 2, axis=-1))
    bce = np.mean(np.mean(-(yb * np.log(o2) + (1 - yb) * np.log(1 - o2)), axis=-1))
    return mse + 0.5 * bce


def _weights_by_name(model):
    out = []
    for name in ("pa", "shared", "o1", "o2"):
        out += [w.astype(np.float64) for w in model.get_layer(name).get_weights()]
    return out


def _num_grad(f, w, eps=1e-6):
    grads = []
    for i, wi in enumerate(w):
        g = np.zeros_like(wi)
        for idx in np.ndindex(wi.shape):
            old = wi[idx]
            wi[idx] = old + eps
            fp = f(w)
            wi[idx] = old - eps
            fm = f(w)
            wi[idx] = old
            g[idx] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def test_multi_input_multi_output_shared_layer_forward_and_one_sgd_step():
    model = _two_branch_model()
    assert [t.shape for t in model.inputs] == [(None, 4), (None, 3)]
    assert model.output_names == ["o1", "o2"]
    assert model.get_layer("shared") is model.get_layer(index=[la.name for la in model.layers].index("shared"))
    rng = np.random.default_rng(0)
    xa, xb = rng.normal(size=(6, 4)).astype(np.float32), rng.normal(size=(6, 3)).astype(np.float32)
    ya = rng.normal(size=(6, 2)).astype(np.float32)
    yb = (rng.random((6, 1)) > 0.5).astype(np.float32)
    w = _weights_by_name(model)
    p1, p2 = model.predict([xa, xb], verbose=0)
    r1, r2 = _np_forward(w, xa.astype(np.float64), xb.astype(np.float64))
    np.testing.assert_allclose(p1, r1, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(p2, r2, rtol=1e-5, atol=1e-5)
    # dict inputs give the same
    d1, d2 = model.predict({"a": xa, "b": xb}, verbose=0)
    np.testing.assert_array_equal(d1, p1)

    lr = 0.1
    model.compile(kernn.optimizers.SGD(learning_rate=lr), loss={"o1": "mse", "o2": "binary_crossentropy"},
                  loss_weights={"o1": 1.0, "o2": 0.5}, metrics={"o1": ["mae"], "o2": ["accuracy"]})
    args = tuple(a.astype(np.float64) for a in (xa, xb, ya, yb))
    grads = _num_grad(lambda ww: _np_loss(ww, *args), [x.copy() for x in w])
    logs = model.train_on_batch([xa, xb], [ya, yb], return_dict=True)
    assert set(logs) == {"loss", "o1_loss", "o2_loss", "o1_mae", "o2_accuracy"}
    np.testing.assert_allclose(logs["loss"], _np_loss(w, *args), rtol=1e-5)
    new = _weights_by_name(model)
    for before, after, g in zip(w, new, grads):
        np.testing.assert_allclose(after, before - lr * g, rtol=1e-4, atol=1e-5)


def test_fit_multi_output_lists_and_validation_logs_names():
    model = _two_branch_model()
    model.compile("adam", loss=["mse", "binary_crossentropy"], metrics=[["mae"], ["accuracy"]])
    rng = np.random.default_rng(1)
    xa, xb = rng.normal(size=(40, 4)), rng.normal(size=(40, 3))
    ya, yb = rng.normal(size=(40, 2)), (rng.random((40, 1)) > 0.5).astype(np.float32)
    h = model.fit([xa, xb], [ya, yb], epochs=3, batch_size=8, validation_split=0.25, verbose=0)
    assert sorted(h.history) == sorted(["loss", "o1_loss", "o2_loss", "o1_mae", "o2_accuracy", "val_loss",
                                        "val_o1_loss", "val_o2_loss", "val_o1_mae", "val_o2_accuracy"])
    assert h.history["loss"][-1] < h.history["loss"][0]
    res = model.evaluate([xa, xb], [ya, yb], verbose=0, return_dict=True)
    assert res["loss"] == pytest.approx(res["o1_loss"] + res["o2_loss"], rel=1e-5)


def test_wrong_number_of_inputs_and_missing_keys_are_clear():
    model = _two_branch_model()
    model.compile("sgd", ["mse", "mse"])
    with pytest.raises(ValueError, match="expects 2 input"):
        model.predict(np.zeros((2, 4)), verbose=0)
    with pytest.raises(ValueError, match="Missing data for input"):
        model.predict({"a": np.zeros((2, 4))}, verbose=0)
    with pytest.raises(ValueError, match="incompatible"):
        model.predict([np.zeros((2, 5)), np.zeros((2, 3))], verbose=0)
    with pytest.raises(ValueError, match="as many entries as the model has outputs"):
        model.compile("sgd", loss=["mse"] * 3)
        model.fit([np.zeros((2, 4)), np.zeros((2, 3))], [np.zeros((2, 2)), np.zeros((2, 1))], verbose=0)


def test_layer_input_output_and_graph_errors():
    x = kernn.Input((4,))
    d = layers.Dense(2)
    y = d(x)
    assert d.output is y and d.input is x
    assert y.shape == (None, 2)
    model = kernn.Model(inputs=x, outputs=y)
    assert model.layers[1] is d and model.input is x and model.output is y
    d(kernn.Input((4,)))
    with pytest.raises(AttributeError, match="multiple inbound nodes"):
        d.output
    other = kernn.Input((3,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        kernn.Model(other, y)
    with pytest.raises(ValueError, match="KerasTensor"):
        kernn.Model(x, np.zeros(2))


def test_shared_layer_gradient_is_sum_of_both_calls():
    x1, x2 = kernn.Input((3,)), kernn.Input((3,))
    d = layers.Dense(1, use_bias=False, kernel_initializer="ones")
    model = kernn.Model([x1, x2], layers.Add()([d(x1), d(x2)]))
    model.compile(kernn.optimizers.SGD(1.0), "mse")
    a, b = np.ones((1, 3), np.float32), 2 * np.ones((1, 3), np.float32)
    # out = sum(a)+sum(b) = 9; dL/dout = 2*(9-0); dL/dk = 18 * (a+b) = 54 per entry
    model.train_on_batch([a, b], np.zeros((1, 1), np.float32))
    np.testing.assert_allclose(d.get_weights()[0], 1 - 54 * np.ones((3, 1)), rtol=1e-6)


def test_subclassed_model_traces_call_and_matches_functional():
    class Net(kernn.Model):
        def __init__(self):
            super().__init__(name="net")
            self.hidden = layers.Dense(6, activation="tanh")
            self.skip = layers.Dense(6)
            self.out = layers.Dense(1)

        def call(self, inputs, training=False):
            return self.out(self.hidden(inputs) + self.skip(inputs))

    net = Net()
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 4)).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    out = net(x)
    assert out.shape == (16, 1)
    assert [la.name for la in net.layers] == [net.hidden.name, net.skip.name, net.out.name]
    k1, b1, k2, b2, k3, b3 = net.get_weights()
    ref = (np.tanh(x @ k1 + b1) + (x @ k2 + b2)) @ k3 + b3
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)

    inp = kernn.Input((4,))
    h, s, o = layers.Dense(6, activation="tanh"), layers.Dense(6), layers.Dense(1)
    func = kernn.Model(inp, o(layers.Add()([h(inp), s(inp)])))
    func.set_weights(net.get_weights())
    for m in (net, func):
        m.compile(kernn.optimizers.SGD(0.05), "mse")
        m.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(net.get_weights(), func.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_nested_models_train_inner_weights():
    inner = kernn.Sequential([kernn.Input((5,)), layers.Dense(4, activation="relu")], name="inner")
    i = kernn.Input((5,))
    outer = kernn.Model(i, layers.Dense(1)(inner(i)))
    x = np.random.default_rng(0).normal(size=(8, 5)).astype(np.float32)
    k, b = inner.get_weights()
    k2, b2 = outer.layers[-1].get_weights()
    np.testing.assert_allclose(outer.predict(x, verbose=0), np.maximum(x @ k + b, 0) @ k2 + b2, rtol=1e-5,
                               atol=1e-6)
    outer.compile("sgd", "mse")
    outer.fit(x, np.ones((8, 1)), verbose=0)
    assert not np.allclose(k, inner.get_weights()[0])
    assert outer.count_params() == inner.count_params() + 5


def test_gan_recipe_freezes_discriminator_only_inside_the_combined_model():
    gen = kernn.Sequential([kernn.Input((3,)), layers.Dense(5, activation="relu"), layers.Dense(5)])
    disc = kernn.Sequential([kernn.Input((5,)), layers.Dense(8, activation="relu"),
                             layers.Dense(1, activation="sigmoid")])
    disc.compile("adam", "binary_crossentropy")
    disc.trainable = False
    gan = kernn.Sequential([gen, disc])
    gan.compile("adam", "binary_crossentropy")
    rng = np.random.default_rng(0)
    z = rng.normal(size=(16, 3)).astype(np.float32)
    real = rng.normal(size=(16, 5)).astype(np.float32)
    ones = np.ones((16, 1), np.float32)
    for _ in range(2):
        d0, g0 = disc.get_weights(), gen.get_weights()
        gan.train_on_batch(z, ones)
        assert all(np.array_equal(a, b) for a, b in zip(d0, disc.get_weights()))
        assert not any(np.array_equal(a, b) for a, b in zip(g0, gen.get_weights()))
        d0 = disc.get_weights()
        disc.train_on_batch(np.concatenate([real, gen.predict(z, verbose=0)]), np.concatenate([ones, 0 * ones]))
        assert not any(np.array_equal(a, b) for a, b in zip(d0, disc.get_weights()))
    assert disc.trainable is False and gan.trainable_weights == gen.trainable_weights


def test_keras_tensor_operators_and_merge_functions():
    a, b = kernn.Input((3,)), kernn.Input((3,))
    m = kernn.Model([a, b], [a + b, a - b, a * b, layers.maximum([a, b]), layers.concatenate([a, b])])
    x, y = np.arange(6.0).reshape(2, 3), np.ones((2, 3))
    s, d, p, mx, c = m.predict([x, y], verbose=0)
    np.testing.assert_array_equal(s, x + y)
    np.testing.assert_array_equal(d, x - y)
    np.testing.assert_array_equal(p, x * y)
    np.testing.assert_array_equal(mx, np.maximum(x, y))
    assert c.shape == (2, 6)


def test_sequential_layers_have_symbolic_input_and_output():
    model = kernn.Sequential([kernn.Input((4,)), layers.Dense(3), layers.Dense(2)])
    assert model.layers[0].output.shape == (None, 3)
    assert model.layers[1].input is model.layers[0].output
    assert model.outputs[0] is model.layers[1].output
    # a feature extractor from a built Sequential, as in Keras
    feat = kernn.Model(model.inputs, model.layers[0].output)
    x = np.ones((2, 4), np.float32)
    k, b = model.layers[0].get_weights()
    np.testing.assert_allclose(feat.predict(x, verbose=0), x @ k + b, rtol=1e-6)


class _MaskZeros(layers.Layer):
    """Marks all-zero rows as masked (a stand-in for Embedding(mask_zero=True))."""

    def call(self, inputs):
        return inputs

    def compute_mask(self, inputs, mask=None):
        return np.any(inputs != 0, axis=-1)

    def backward(self, grad):
        return grad


class _MaskedSum(layers.Layer):
    """Sums the time steps the mask keeps."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.supports_masking = True

    def call(self, inputs, training=False, mask=None):
        self.seen = mask
        m = np.ones(inputs.shape[:-1], bool) if mask is None else mask
        return (inputs * m[..., None]).sum(axis=1)

    def compute_output_shape(self, s):
        return (s[0], s[2])

    def compute_mask(self, inputs, mask=None):
        return None


def test_masks_propagate_along_nodes():
    i = kernn.Input((3, 2))
    masked = _MaskZeros()(i)
    summer = _MaskedSum()
    model = kernn.Model(i, summer(layers.Activation("linear")(masked)))
    x = np.array([[[1, 2], [0, 0], [3, 4]]], np.float32)
    out = model.predict(x, verbose=0)
    np.testing.assert_array_equal(summer.seen, [[True, False, True]])
    np.testing.assert_array_equal(out, [[4, 6]])


def test_multi_io_from_generator_and_validation_data():
    model = _two_branch_model()
    model.compile("sgd", ["mse", "binary_crossentropy"])
    rng = np.random.default_rng(4)
    xa, xb = rng.normal(size=(16, 4)).astype(np.float32), rng.normal(size=(16, 3)).astype(np.float32)
    ya, yb = rng.normal(size=(16, 2)).astype(np.float32), np.ones((16, 1), np.float32)

    def gen():
        while True:
            for i in range(0, 16, 8):
                yield [xa[i:i + 8], xb[i:i + 8]], [ya[i:i + 8], yb[i:i + 8]]

    h = model.fit(gen(), steps_per_epoch=2, epochs=2, verbose=0, validation_data=([xa, xb], [ya, yb]))
    assert len(h.history["val_loss"]) == 2
    out = model.predict(gen(), steps=2, verbose=0)
    assert [o.shape for o in out] == [(16, 2), (16, 1)]
    assert isinstance(model.predict_on_batch([xa, xb]), list)


def test_shared_nested_model_siamese_forward_and_gradient():
    enc = kernn.Sequential([kernn.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(2)], name="enc")
    a, b = kernn.Input((3,)), kernn.Input((3,))
    model = kernn.Model([a, b], layers.Subtract()([enc(a), enc(b)]))
    rng = np.random.default_rng(9)
    xa, xb = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 3)).astype(np.float32)
    y = rng.normal(size=(5, 2)).astype(np.float32)
    w = [v.astype(np.float64) for v in enc.get_weights()]

    def f(ww, u):
        return np.tanh(u @ ww[0] + ww[1]) @ ww[2] + ww[3]

    ref = f(w, xa) - f(w, xb)
    np.testing.assert_allclose(model.predict([xa, xb], batch_size=5, verbose=0), ref, rtol=1e-5, atol=1e-6)
    model.compile(kernn.optimizers.SGD(0.1), "mse")
    grads = _num_grad(lambda ww: np.mean(np.mean((f(ww, xa) - f(ww, xb) - y) ** 2, axis=-1)), [v.copy() for v in w])
    model.fit([xa, xb], y, batch_size=5, epochs=1, verbose=0)
    for before, after, g in zip(w, enc.get_weights(), grads):
        np.testing.assert_allclose(after, before - 0.1 * g, rtol=1e-4, atol=1e-5)


def test_functional_trains_like_sequential_with_fused_softmax_loss():
    seq = kernn.Sequential([kernn.Input((6,)), layers.Dense(8, activation="relu"),
                            layers.Dense(4, activation="softmax")])
    i = kernn.Input((6,))
    func = kernn.Model(i, layers.Dense(4, activation="softmax")(layers.Dense(8, activation="relu")(i)))
    func.set_weights(seq.get_weights())
    rng = np.random.default_rng(2)
    x = rng.normal(size=(32, 6)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 32)]
    for m in (seq, func):
        m.compile(kernn.optimizers.SGD(0.1), "categorical_crossentropy", metrics=["accuracy"])
    hs = seq.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    hf = func.fit(x, y, epochs=3, batch_size=8, shuffle=False, verbose=0)
    assert func._train_ready["fused_ids"]
    np.testing.assert_allclose(hf.history["loss"], hs.history["loss"], rtol=1e-5)
    for a, b in zip(seq.get_weights(), func.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_trainable_changes_take_effect_at_the_next_compile():
    i = kernn.Input((3,))
    base = layers.Dense(4, name="base")
    head = layers.Dense(1, name="head")
    model = kernn.Model(i, head(base(i)))
    x, y = np.ones((4, 3), np.float32), np.zeros((4, 1), np.float32)
    model.compile("sgd", "mse")
    base.trainable = False  # not compiled yet: base still trains
    w = base.get_weights()
    model.train_on_batch(x, y)
    assert not np.array_equal(w[0], base.get_weights()[0])
    model.compile("sgd", "mse")  # now it is frozen
    w, h = base.get_weights(), head.get_weights()
    model.train_on_batch(x, y)
    assert all(np.array_equal(a, b) for a, b in zip(w, base.get_weights()))
    assert not np.array_equal(h[0], head.get_weights()[0])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2


def test_functional_summary_has_keras_connected_to_column():
    a, b = kernn.Input((4,), name="a"), kernn.Input((3,), name="b")
    h = layers.Concatenate(name="cat")([layers.Dense(3, name="pa")(a), b])
    model = kernn.Model([a, b], layers.Dense(1, name="out")(h), name="fm")
    lines = []
    model.summary(print_fn=lines.append, line_length=108)
    text = lines[0].split("\n")
    assert all(len(x) == 108 for x in text[1:-3])
    assert text[2] == ("┃ Layer (type)                  ┃ Output Shape              ┃         Param # ┃ Connected to"
                       "               ┃")
    assert "│ cat (Concatenate)             │ (None, 6)                 │               0 │ pa[0][0], b[0][0]" in \
        "\n".join(text)
    chain = kernn.Model(a, layers.Dense(2)(a))
    lines = []
    chain.summary(print_fn=lines.append)
    assert "Connected to" not in lines[0]
