"""`.keras` and `.weights.h5` round trips, Keras's file layout, and refusal of bad files."""
import io
import json
import zipfile

import numpy as np
import pytest

import kernn
from kernn import layers

h5py = pytest.importorskip("h5py")


@pytest.fixture(autouse=True)
def _seed():
    kernn.utils.set_random_seed(5)
    kernn.layers.layer.clear_session()


def _data(n=24):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return x, (x[:, :2] * 2 - x[:, 2:]).astype(np.float32)


def _sequential():
    m = kernn.Sequential([kernn.Input((4,)), layers.Dense(8, activation="relu"), layers.Dense(2)])
    m.compile(kernn.optimizers.Adam(1e-2), "mse", metrics=["mae"])
    return m


def _functional():
    i = kernn.Input((4,), name="inp")
    inner = kernn.Sequential([kernn.Input((8,)), layers.Dense(6, activation="tanh")], name="inner")
    h = layers.Dense(8, activation="relu")(i)
    o = layers.Dense(2)(layers.Concatenate()([inner(h), h]))
    m = kernn.Model(i, o, name="func")
    m.compile(kernn.optimizers.Adam(1e-2), "mse")
    return m


@pytest.mark.parametrize("make", [_sequential, _functional], ids=["sequential", "functional_nested"])
def test_round_trip_predictions_and_continued_training(tmp_path, make):
    x, y = _data()
    model = make()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = kernn.models.load_model(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.optimizer.iterations == model.optimizer.iterations
    for m in (model, loaded):
        m.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_archive_layout_is_keras_3(tmp_path):
    model = _sequential()
    x, y = _data()
    model.fit(x, y, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert set(zf.namelist()) == {"config.json", "metadata.json", "model.weights.h5"}
        config = json.loads(zf.read("config.json"))
        meta = json.loads(zf.read("metadata.json"))
        weights = zf.read("model.weights.h5")
    assert meta["keras_version"].startswith("3.")
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    assert config["registered_name"] is None
    dense = config["config"]["layers"][1]
    assert dense["module"] == "keras.layers" and dense["class_name"] == "Dense"
    assert dense["build_config"] == {"input_shape": [None, 4]}
    assert config["compile_config"]["loss"] == "mse"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    with h5py.File(io.BytesIO(weights), "r") as f:
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()], model.layers[0].kernel.numpy())
        np.testing.assert_array_equal(f["layers/dense_1/vars/1"][()], model.layers[1].bias.numpy())
        assert int(f["optimizer/vars/0"][()]) == model.optimizer.iterations
        assert "vars" in f


def test_functional_config_multi_io_and_json(tmp_path):
    a, b = kernn.Input((3,), name="a"), kernn.Input((2,), name="b")
    shared = layers.Dense(4, name="shared")
    o1 = layers.Add(name="sum")([shared(layers.Dense(2, name="pre")(a)), shared(b)])
    model = kernn.Model({"a": a, "b": b}, [o1, layers.Dense(1, name="head")(o1)])
    cfg = json.loads(model.to_json())
    assert cfg["class_name"] == "Functional"
    assert cfg["config"]["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    shared_entry = [e for e in cfg["config"]["layers"] if e["name"] == "shared"][0]
    assert len(shared_entry["inbound_nodes"]) == 2
    clone = kernn.models.model_from_json(model.to_json())
    clone.set_weights(model.get_weights())
    xs = {"a": np.ones((2, 3), np.float32), "b": np.ones((2, 2), np.float32)}
    for p, q in zip(model.predict(xs, verbose=0), clone.predict(xs, verbose=0)):
        np.testing.assert_array_equal(p, q)
    c2 = kernn.models.clone_model(model)
    assert [la.name for la in c2.layers] == [la.name for la in model.layers]
    path = tmp_path / "multi.keras"
    model.save(path)
    loaded = kernn.models.load_model(path)
    for p, q in zip(model.predict(xs, verbose=0), loaded.predict(xs, verbose=0)):
        np.testing.assert_array_equal(p, q)


def test_weights_h5_round_trip_and_mismatch_changes_nothing(tmp_path):
    model = _sequential()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    other = _sequential()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    wrong = kernn.Sequential([kernn.Input((4,)), layers.Dense(9, activation="relu"), layers.Dense(2)])
    before = wrong.get_weights()
    with pytest.raises(ValueError, match="shape"):
        wrong.load_weights(path)
    for a, b in zip(before, wrong.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="weights.h5"):
        model.save_weights(tmp_path / "w.h5")


def test_loaded_model_extended_gets_unique_names(tmp_path):
    model = _sequential()
    model.save(tmp_path / "m.keras")
    kernn.layers.layer.clear_session()
    loaded = kernn.models.load_model(tmp_path / "m.keras")
    loaded.add(layers.Dense(3))
    names = [la.name for la in loaded.layers]
    assert len(set(names)) == len(names)
    i = kernn.Input((4,))
    new = kernn.Model(i, layers.Dense(1)(loaded(i)))
    names = [la.name for la in new.layers]
    assert len(set(names)) == len(names)


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    model = _sequential()
    path = tmp_path / "m.keras"
    model.save(path)
    good = path.read_bytes()
    from kernn.saving import saving_lib

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(saving_lib.zipfile.ZipFile, "writestr", boom)
    with pytest.raises(RuntimeError):
        model.save(path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


def _rewrite(src, dst, config=None, extra=None, weights=None):
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    if config is not None:
        members["config.json"] = json.dumps(config).encode()
    if weights is not None:
        members["model.weights.h5"] = weights
    members.update(extra or {})
    with zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n, d in members.items():
            zf.writestr(n, d)


def _config(path):
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("config.json"))


def test_malicious_and_corrupted_files_are_refused(tmp_path):
    model = _sequential()
    good = tmp_path / "good.keras"
    model.save(good)
    cfg = _config(good)

    bad = dict(cfg)
    bad["config"] = dict(cfg["config"], layers=[{"module": "os", "class_name": "system", "config": {"command": "x"},
                                                  "registered_name": None}])
    _rewrite(good, tmp_path / "os.keras", bad)
    with pytest.raises(ValueError, match="does not import modules"):
        kernn.models.load_model(tmp_path / "os.keras")

    bad["config"]["layers"] = [{"module": "evil.module", "class_name": "Dense", "config": {"units": 1}}]
    _rewrite(good, tmp_path / "mod.keras", bad)
    with pytest.raises(ValueError, match="evil.module"):
        kernn.models.load_model(tmp_path / "mod.keras")

    bad["config"]["layers"] = [{"module": "keras.layers", "class_name": "NoSuchLayer", "config": {}}]
    _rewrite(good, tmp_path / "unk.keras", bad)
    with pytest.raises(ValueError, match="Could not locate class 'NoSuchLayer'"):
        kernn.models.load_model(tmp_path / "unk.keras")

    top = dict(cfg, module="builtins", class_name="eval")
    _rewrite(good, tmp_path / "top.keras", top)
    with pytest.raises(ValueError, match="does not import modules"):
        kernn.models.load_model(tmp_path / "top.keras")

    data = good.read_bytes()
    (tmp_path / "trunc.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupted or truncated|not a valid"):
        kernn.models.load_model(tmp_path / "trunc.keras")
    (tmp_path / "junk.keras").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(ValueError):
        kernn.models.load_model(tmp_path / "junk.keras")

    _rewrite(good, tmp_path / "badh5.keras", weights=b"not hdf5 at all")
    with pytest.raises(ValueError, match="HDF5"):
        kernn.models.load_model(tmp_path / "badh5.keras")

    _rewrite(good, tmp_path / "extra.keras", extra={"../../evil.py": b"print(1)"})
    with pytest.raises(ValueError, match="Unexpected member"):
        kernn.models.load_model(tmp_path / "extra.keras")


def test_zip_bomb_is_refused(tmp_path, monkeypatch):
    model = _sequential()
    good = tmp_path / "good.keras"
    model.save(good)
    from kernn.saving import saving_lib
    monkeypatch.setattr(saving_lib, "MAX_EXPANDED_BYTES", 1000)
    with pytest.raises(ValueError, match="limit"):
        kernn.models.load_model(good)


def test_mismatched_weight_shapes_in_archive_are_refused(tmp_path):
    model = _sequential()
    good = tmp_path / "good.keras"
    model.save(good)
    cfg = _config(good)
    cfg["config"]["layers"][1]["config"]["units"] = 7
    _rewrite(good, tmp_path / "shape.keras", cfg)
    with pytest.raises(ValueError, match="shape"):
        kernn.models.load_model(tmp_path / "shape.keras")


def test_lambda_layer_refused_in_safe_mode(tmp_path):
    def double(x):
        return 2 * x

    model = kernn.Sequential([kernn.Input((3,)), layers.Lambda(double), layers.Dense(1)])
    path = tmp_path / "lam.keras"
    model.save(path)
    with pytest.raises(ValueError, match="safe_mode=False"):
        kernn.models.load_model(path)
    with pytest.raises(ValueError, match="custom_objects"):
        kernn.models.load_model(path, safe_mode=False)
    loaded = kernn.models.load_model(path, safe_mode=False, custom_objects={"double": double})
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_custom_layer_needs_custom_objects(tmp_path):
    class Scale(layers.Layer):
        def call(self, inputs):
            return inputs * 3.0

        def backward(self, grad):
            return grad * 3.0

    model = kernn.Sequential([kernn.Input((2,)), Scale(), layers.Dense(1)])
    path = tmp_path / "c.keras"
    model.save(path)
    with pytest.raises(ValueError, match="custom_objects"):
        kernn.models.load_model(path)
    loaded = kernn.models.load_model(path, custom_objects={"Scale": Scale})
    x = np.ones((2, 2), np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


keras = None
try:  # cross-library tests run only where Keras 3 is installed (on PyTorch when no backend is chosen)
    import os as _os

    _os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras  # noqa: F401
except ImportError:
    pass


@pytest.mark.skipif(keras is None, reason="keras is not installed (cross-library round trips need Keras 3)")
def test_kernn_file_loads_in_keras(tmp_path):
    import warnings
    x, y = _data()
    for make in (_sequential, _functional):
        model = make()
        model.fit(x, y, epochs=1, verbose=0)
        path = tmp_path / "k.keras"
        model.save(path)
        with warnings.catch_warnings():  # Keras's own backends may warn about NumPy 2 APIs
            warnings.simplefilter("ignore")
            km = keras.models.load_model(path)
            got = km.predict(x, verbose=0)
        np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(keras is None, reason="keras is not installed (cross-library round trips need Keras 3)")
def test_keras_file_loads_in_kernn(tmp_path):
    import warnings
    x, y = _data()
    with warnings.catch_warnings():  # Keras's own backends may warn about NumPy 2 APIs
        warnings.simplefilter("ignore")
        km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)])
        km.compile("adam", "mse")
        km.fit(x, y, epochs=1, verbose=0)
        path = tmp_path / "k.keras"
        km.save(path)
        want = km.predict(x, verbose=0)
    model = kernn.models.load_model(path)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    assert model.optimizer.iterations == 1


@pytest.mark.skipif(keras is None, reason="keras is not installed (cross-library round trips need Keras 3)")
def test_keras_functional_merge_model_loads_in_kernn_and_back(tmp_path):
    import warnings
    rng = np.random.default_rng(1)
    xa, xb = rng.normal(size=(5, 4)).astype(np.float32), rng.normal(size=(5, 4)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
        shared = keras.layers.Dense(4, activation="tanh")
        ha, hb = shared(a), shared(b)
        merged = keras.layers.Concatenate()([keras.layers.Add()([ha, hb]), keras.layers.Multiply()([ha, hb]),
                                             keras.layers.Dot(axes=1, normalize=True)([ha, hb])])
        km = keras.Model([a, b], [keras.layers.Dense(2)(merged), keras.layers.Maximum()([ha, hb])])
        path = tmp_path / "f.keras"
        km.save(path)
        want = km.predict([xa, xb], verbose=0)
    model = kernn.models.load_model(path)
    got = model.predict([xa, xb], verbose=0)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "back.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = keras.models.load_model(tmp_path / "back.keras").predict([xa, xb], verbose=0)
    for g, w in zip(again, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


class _Net(kernn.Model):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = layers.Dense(units, activation="relu")
        self.out = layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model_round_trip_with_custom_objects(tmp_path):
    x, _ = _data()
    net = _Net(units=5)
    net.compile("adam", "mse")
    net.fit(x, x[:, :1], epochs=1, verbose=0)
    net.save(tmp_path / "net.keras")
    with zipfile.ZipFile(tmp_path / "net.keras") as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as f:
        assert "hidden/vars/0" in f and "layers/dense_1/vars/1" in f  # Keras walks attributes, then `layers`
    with pytest.raises(ValueError, match="custom_objects"):
        kernn.models.load_model(tmp_path / "net.keras")
    loaded = kernn.models.load_model(tmp_path / "net.keras", custom_objects={"_Net": _Net})
    assert loaded.units == 5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), net.predict(x, verbose=0))


def test_odd_configs_raise_value_error(tmp_path):
    model = _sequential()
    good = tmp_path / "good.keras"
    model.save(good)
    cfg = _config(good)
    deep = "[" * 100000 + "]" * 100000
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["config.json"] = deep.encode()
    with zipfile.ZipFile(tmp_path / "deep.keras", "w") as zf:
        for n, d in members.items():
            zf.writestr(n, d)
    with pytest.raises(ValueError):
        kernn.models.load_model(tmp_path / "deep.keras")
    for bad_layers in ("notalist", [1, 2], [{"class_name": "Dense", "config": {"units": "many"}}],
                       [{"class_name": "Dense", "config": {"name": "d", "units": 2}, "build_config": {"input_shape": 3}}]):
        broken = dict(cfg, config=dict(cfg["config"], layers=bad_layers))
        _rewrite(good, tmp_path / "b.keras", broken)
        with pytest.raises(ValueError):
            kernn.models.load_model(tmp_path / "b.keras")
    with pytest.raises(ValueError, match="JSON"):
        kernn.models.model_from_json("{not json")


@pytest.mark.skipif(keras is None, reason="keras is not installed (cross-library round trips need Keras 3)")
@pytest.mark.parametrize("kind", ["lstm", "gru", "simple_rnn", "bidirectional"])
def test_keras_recurrent_models_move_both_ways(tmp_path, kind):
    """Keras 3 files its RNN weights under `<layer>/cell/vars`; kernn reads and writes that layout."""
    import warnings
    x = np.random.default_rng(2).standard_normal((3, 6, 4)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        L = keras.layers
        inner = {"lstm": [L.LSTM(5)], "gru": [L.GRU(5)], "simple_rnn": [L.SimpleRNN(5, return_sequences=True)],
                 "bidirectional": [L.Bidirectional(L.LSTM(4)), L.Dense(2)]}[kind]
        km = keras.Sequential([keras.Input((6, 4))] + inner)
        km.save(tmp_path / "k.keras")
        want = km.predict(x, verbose=0)
    model = kernn.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "n.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        back = keras.models.load_model(tmp_path / "n.keras")
        np.testing.assert_allclose(back.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)


def test_every_recurrent_layer_files_its_cell_weights(tmp_path):
    """Each RNN layer's weights go under `<layer>/cell/vars`, even when the objects walked to
    find them are temporaries (whose ids CPython reuses: a walk keyed by id alone skipped some)."""
    import io
    import zipfile

    import h5py
    L = kernn.layers
    model = kernn.Sequential([kernn.Input((6, 4)), L.LSTM(3, return_sequences=True), L.GRU(3, return_sequences=True),
                              L.Bidirectional(L.LSTM(2, return_sequences=True)), L.SimpleRNN(2, return_sequences=True),
                              L.Bidirectional(L.GRU(2)), L.Dense(1)])
    for trial in range(3):
        path = tmp_path / f"m{trial}.keras"
        model.save(path)
        with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
            names = []
            f.visit(names.append)
            cells = sorted(n for n in names if n.endswith("cell/vars"))
            assert len(cells) == 7, cells  # LSTM, GRU, 2 in each Bidirectional, SimpleRNN
            assert all(len(f[c]) == 3 for c in cells)  # kernel, recurrent kernel, bias
        loaded = kernn.models.load_model(path)
        x = np.random.default_rng(trial).standard_normal((2, 6, 4)).astype(np.float32)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-6)
