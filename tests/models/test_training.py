"""compile/fit/evaluate/predict/*_on_batch: learning, exact gradients, data forms, errors."""
import numpy as np
import pytest

import kernn
from kernn import layers
from reference import activations as ref_act


@pytest.fixture(autouse=True)
def _seed():
    kernn.utils.set_random_seed(1)
    kernn.set_num_threads(1)


def _digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)


def test_digits_mlp_reaches_95_percent_validation_accuracy():
    x, t = _digits()
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(x))
    x, t = x[perm], t[perm]
    y = np.eye(10, dtype=np.float32)[t]
    model = kernn.Sequential([kernn.Input(shape=(64,)), layers.Dense(128, activation="relu"),
                              layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=kernn.optimizers.Adam(learning_rate=3e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=12, batch_size=32, validation_split=0.2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.history["val_accuracy"][-1] >= 0.95
    assert history.history["loss"][-1] < history.history["loss"][0]
    # sparse labels and a separate softmax layer train too
    model2 = kernn.Sequential([kernn.Input(shape=(64,)), layers.Dense(64, activation="relu"), layers.Dense(10),
                               layers.Softmax()])
    model2.compile(kernn.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["acc"])
    h2 = model2.fit(x, t, epochs=8, batch_size=32, validation_split=0.2, verbose=0)
    assert "val_acc" in h2.history and h2.history["val_acc"][-1] > 0.9


def _grads_by_sgd(model, x, y, **fit_kw):
    """The gradient the trainer applied, recovered from one SGD(lr=1) step."""
    before = [w.copy() for w in model.get_weights()]
    model.train_on_batch(x, y, **fit_kw)
    return [b - a for b, a in zip(before, model.get_weights())]


def test_train_step_gradients_match_numpy_backprop_mse():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    y = rng.standard_normal((6, 3)).astype(np.float32)
    model = kernn.Sequential([kernn.Input(shape=(4,)), layers.Dense(5, activation="tanh"), layers.Dense(3)])
    model.compile(optimizer=kernn.optimizers.SGD(learning_rate=1.0), loss="mse")
    k1, b1, k2, b2 = [w.astype(np.float64) for w in model.get_weights()]
    grads = _grads_by_sgd(model, x, y)
    z1 = x @ k1 + b1
    h = np.tanh(z1)
    out = h @ k2 + b2
    g_out = 2 * (out - y) / out.size
    gk2, gb2 = h.T @ g_out, g_out.sum(0)
    gz1 = ref_act.backward(z1, g_out @ k2.T, "tanh")
    gk1, gb1 = x.T @ gz1, gz1.sum(0)
    for got, want in zip(grads, [gk1, gb1, gk2, gb2]):
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=1e-6)


@pytest.mark.parametrize("case", ["softmax_cce", "softmax_layer_scce", "sigmoid_bce", "linear_cce_logits"])
def test_train_step_gradients_fused_losses(case):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 5)).astype(np.float32)
    if case == "sigmoid_bce":
        y = (rng.random((8, 1)) > 0.5).astype(np.float32)
        head, loss, n_out = [layers.Dense(1, activation="sigmoid")], "binary_crossentropy", 1
    elif case == "softmax_layer_scce":
        y = rng.integers(0, 3, 8)
        head, loss, n_out = [layers.Dense(3), layers.Softmax()], "sparse_categorical_crossentropy", 3
    elif case == "linear_cce_logits":
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
        head, loss, n_out = [layers.Dense(3)], kernn.losses.CategoricalCrossentropy(from_logits=True), 3
    else:
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
        head, loss, n_out = [layers.Dense(3, activation="softmax")], "categorical_crossentropy", 3
    model = kernn.Sequential([kernn.Input(shape=(5,)), layers.Dense(4, activation="relu")] + head)
    model.compile(optimizer=kernn.optimizers.SGD(learning_rate=1.0), loss=loss)
    k1, b1, k2, b2 = [w.astype(np.float64) for w in model.get_weights()]
    grads = _grads_by_sgd(model, x, y)
    z1 = x @ k1 + b1
    h = np.maximum(z1, 0)
    logits = h @ k2 + b2
    if n_out == 1:
        p = 1 / (1 + np.exp(-logits))
        g_logits = (p - y) / len(x)
    else:
        onehot = y if y.ndim == 2 else np.eye(3)[y]
        g_logits = (ref_act.softmax(logits) - onehot) / len(x)
    gk2, gb2 = h.T @ g_logits, g_logits.sum(0)
    gz1 = (g_logits @ k2.T) * (z1 > 0)
    for got, want in zip(grads, [x.T @ gz1, gz1.sum(0), gk2, gb2]):
        np.testing.assert_allclose(got, want, rtol=2e-3, atol=1e-6)


def test_regularizer_is_in_loss_and_gradient():
    x = np.ones((2, 3), dtype=np.float32)
    y = np.zeros((2, 1), dtype=np.float32)
    model = kernn.Sequential([kernn.Input(shape=(3,)), layers.Dense(1, kernel_initializer="ones",
                                                                    kernel_regularizer=kernn.regularizers.L2(0.1))])
    model.compile(optimizer=kernn.optimizers.SGD(learning_rate=1.0), loss="mse")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(9.0 + 0.3, rel=1e-5)
    grads = _grads_by_sgd(model, x, y)
    np.testing.assert_allclose(grads[0], np.full((3, 1), 2 * 3.0 + 2 * 0.1), rtol=1e-5)


def _small_model(n_in=4, loss="mse", metrics=None, optimizer="sgd"):
    model = kernn.Sequential([kernn.Input(shape=(n_in,)), layers.Dense(3, activation="relu"), layers.Dense(1)])
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics)
    return model


def test_evaluate_weighs_last_partial_batch_by_size():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((10, 4)).astype(np.float32)
    y = rng.standard_normal((10, 1)).astype(np.float32)
    model = _small_model(metrics=["mae"])
    full = model.evaluate(x, y, batch_size=10, verbose=0)
    parts = model.evaluate(x, y, batch_size=4, verbose=0)
    np.testing.assert_allclose(parts, full, rtol=1e-5)
    pred = model.predict(x, verbose=0)
    assert full[0] == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-5)
    assert model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True).keys() == {"loss", "mae"}


def test_predict_batches_and_direct_call_agree():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((11, 4)).astype(np.float32)
    model = _small_model()
    p = model.predict(x, batch_size=4, verbose=0)
    assert p.shape == (11, 1) and p.dtype == np.float32
    np.testing.assert_allclose(p, model(x), rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch(x), p, rtol=1e-6)
    assert model.predict(x[:0], verbose=0).shape == (0, 1)


def test_on_batch_return_types():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((8, 4)).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    model = _small_model()
    assert isinstance(model.train_on_batch(x, y), float)
    assert isinstance(model.test_on_batch(x, y), float)
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model = _small_model(metrics=["mae"])
    res = model.train_on_batch(x, y)
    assert isinstance(res, list) and len(res) == 2
    assert model.train_on_batch(x, y, return_dict=True).keys() == {"loss", "mae"}
    assert len(model.test_on_batch(x, y)) == 2


def test_validation_split_takes_last_fraction():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((20, 4)).astype(np.float32)
    y = rng.standard_normal((20, 1)).astype(np.float32)
    model = _small_model()
    h = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert h.history["val_loss"][0] == pytest.approx(model.evaluate(x[15:], y[15:], verbose=0), rel=1e-5)
    with pytest.raises(ValueError, match="not sufficient to split it"):
        model.fit(x[:1], y[:1], validation_split=0.5, verbose=0)


def test_validation_data_freq_initial_epoch_and_history():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    model = _small_model()
    h = model.fit(x, y, epochs=4, batch_size=8, validation_data=(x, y), validation_freq=2, initial_epoch=1,
                  verbose=0)
    # validation after epochs 2 and 4 (indices 1 and 3)
    assert h.epoch == [1, 2, 3] and len(h.history["loss"]) == 3 and len(h.history["val_loss"]) == 2
    assert model.history is h


def test_steps_per_epoch_with_arrays():
    x = np.zeros((10, 4), np.float32)
    y = np.zeros((10, 1), np.float32)
    model = _small_model()
    seen = []
    cb = kernn.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    model.fit(x, y, batch_size=4, steps_per_epoch=5, epochs=2, verbose=0, callbacks=[cb])
    assert seen == [0, 1, 2, 3, 4] * 2


def test_generator_iterable_and_sequence_inputs():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((24, 4)).astype(np.float32)
    y = rng.standard_normal((24, 1)).astype(np.float32)

    def gen():
        while True:
            for i in range(0, 24, 8):
                yield x[i:i + 8], y[i:i + 8]

    class Seq:
        def __init__(self):
            self.ends = 0

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

        def on_epoch_end(self):
            self.ends += 1

    model = _small_model()
    h = model.fit(gen(), steps_per_epoch=3, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    seq = Seq()
    h = model.fit(seq, epochs=2, verbose=0, validation_data=Seq())
    assert len(h.history["val_loss"]) == 2 and seq.ends == 2
    class Batches:  # a re-iterable of batches: one pass per epoch
        def __iter__(self):
            return iter([(x[:12], y[:12]), (x[12:], y[12:])])

    batches = Batches()
    h = model.fit(batches, epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    np.testing.assert_allclose(model.evaluate(batches, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(model.predict(Seq(), verbose=0), model.predict(x, verbose=0), rtol=1e-6)
    untrained = kernn.Sequential([layers.Dense(1)])
    untrained.compile("sgd", "mse")
    untrained.fit(gen(), steps_per_epoch=2, verbose=0)
    assert untrained.built and untrained.input_shape == (None, 4)


def test_class_weight_equals_sample_weight():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((12, 4)).astype(np.float32)
    t = rng.integers(0, 2, 12)
    y = t.reshape(-1, 1).astype(np.float32)

    def run(**kw):
        kernn.utils.set_random_seed(3)
        m = _small_model(loss="binary_crossentropy", optimizer=kernn.optimizers.SGD(0.1))
        m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, **kw)
        return m.get_weights()

    a = run(class_weight={0: 1.0, 1: 3.0})
    b = run(sample_weight=np.where(t == 1, 3.0, 1.0))
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, rtol=1e-6)
    m = _small_model(loss="binary_crossentropy")
    with pytest.raises(ValueError, match="class_weight"):
        m.fit(x, y, class_weight={0: 1.0, 1: 2.0}, sample_weight=np.ones(12), verbose=0)


def test_bad_input_errors():
    x = np.zeros((8, 4), np.float32)
    model = _small_model()
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4, but received input with "
                                         r"shape \(None, 5\)"):
        model.fit(np.zeros((8, 5)), np.zeros((8, 1)), verbose=0)
    with pytest.raises(ValueError, match="expected min_ndim=2, found ndim=1"):
        model.fit(np.zeros(8), np.zeros(8), verbose=0)
    bad = x.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"Input to layer 'dense\S*' contains NaN or infinite values: 1 of 32 "
                                         r"entries \(first at index \(3, 2\)\)"):
        model.fit(bad, np.zeros((8, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"(?s)Data cardinality is ambiguous.*'x' sizes: 8\n'y' sizes: 7"):
        model.fit(x, np.zeros((7, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"`target` and `output` must have the same shape. Received: "
                                         r"target.shape=\(None, 2\), output.shape=\(None, 1\)"):
        model.fit(x, np.zeros((8, 2)), verbose=0)
    clf = kernn.Sequential([kernn.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    clf.compile("adam", "categorical_crossentropy")
    with pytest.raises(ValueError, match="use loss='sparse_categorical_crossentropy'"):
        clf.fit(x, np.zeros(8), verbose=0)
    clf.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"Received a label value of 3 which is outside the valid range of \[0, 3\)"):
        clf.fit(x, np.full(8, 3), verbose=0)
    with pytest.raises(ValueError, match="use loss='categorical_crossentropy'"):
        clf.fit(x, np.zeros((8, 3)), verbose=0)
    with pytest.raises(ValueError, match="You must call `compile\\(\\)`"):
        kernn.Sequential([layers.Dense(1)]).fit(x, np.zeros(8), verbose=0)
    with pytest.raises(ValueError):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError):
        model.compile(optimizer="adam", loss="msee")
    with pytest.raises(ValueError, match="Expected `metrics` argument to be a list"):
        model.compile(optimizer="adam", loss="mse", metrics="mae")


def test_frozen_layer_is_not_updated_and_buffers_are_reused():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((8, 4)).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    model = _small_model()
    model.layers[0].trainable = False
    model.compile("sgd", "mse")
    frozen = model.layers[0].get_weights()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    model.train_on_batch(x, y)
    ids = {k: id(v) for k, v in model.layers[1]._buffers.items()}
    model.train_on_batch(x, y)
    assert ids == {k: id(v) for k, v in model.layers[1]._buffers.items()}


def test_stop_training_from_callback():
    x = np.zeros((8, 4), np.float32)
    y = np.zeros((8, 1), np.float32)
    model = _small_model()

    class Stop(kernn.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    h = model.fit(x, y, epochs=10, verbose=0, callbacks=[Stop()])
    assert h.epoch == [0, 1]


def test_activity_regularizer_in_loss_and_gradient():
    x = np.ones((2, 3), dtype=np.float32)
    y = np.zeros((2, 1), dtype=np.float32)
    model = kernn.Sequential([kernn.Input(shape=(3,)),
                              layers.Dense(1, kernel_initializer="ones", activity_regularizer=kernn.regularizers.L2(0.1))])
    model.compile(optimizer=kernn.optimizers.SGD(learning_rate=1.0), loss="mse")
    # mse 9 plus 0.1 * sum over the batch of output^2 (Keras 3 does not divide by the batch size)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(9.0 + 0.1 * 18.0, rel=1e-5)
    grads = _grads_by_sgd(model, x, y)
    # d/dk of mean((x k)^2) + 0.1 sum((x k)^2) = (2 * 3 + 0.2 * 3 * 2) per input
    np.testing.assert_allclose(grads[0], np.full((3, 1), 6.0 + 1.2), rtol=1e-5)


def test_out_of_range_label_in_a_later_batch_is_caught():
    x = np.zeros((64, 4), np.float32)
    t = np.zeros(64, np.int64)
    t[50] = 7
    clf = kernn.Sequential([kernn.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    clf.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"label value of 7 which is outside the valid range of \[0, 3\)"):
        clf.fit(x, t, batch_size=16, verbose=0)
    with pytest.raises(ValueError, match=r"label value of -1"):
        clf.train_on_batch(x[:2], np.array([0, -1]))


def test_several_inputs_need_the_functional_api_and_list_validation_data():
    model = _small_model()
    with pytest.raises(ValueError, match="Could not convert `x` to a numeric array"):
        model.fit([np.zeros((4, 4)), np.zeros((4, 2))], np.zeros((4, 1)), verbose=0)
    h = model.fit(np.zeros((4, 4)), np.zeros((4, 1)), validation_data=[np.zeros((2, 4)), np.zeros((2, 1))], verbose=0)
    assert "val_loss" in h.history


def test_fit_on_empty_data_raises():
    with pytest.raises(ValueError, match=r"Cannot train on empty data: `x` has no samples. Received: x.shape=\(0, 4\)"):
        _small_model().fit(np.zeros((0, 4)), np.zeros((0, 1)), verbose=0)
