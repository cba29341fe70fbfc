"""kernn.utils.plot_history / plot_model / plot_images write non-empty images; matplotlib stays optional."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kernn
from kernn import layers
from kernn.utils import plotting

PNG = b"\x89PNG\r\n\x1a\n"


def _assert_png(path):
    data = Path(path).read_bytes()
    assert len(data) > 1000 and data[:8] == PNG


def _sequential():
    return kernn.Sequential([kernn.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"), layers.Flatten(),
                             layers.Dense(3, activation="softmax")])


def test_import_without_matplotlib_and_clear_error():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "import kernn\n"
            "try:\n"
            "    kernn.utils.plot_history({'loss': [1.0, 0.5]})\n"
            "except ImportError as e:\n"
            "    print('ERR', e)\n")
    env_path = str(Path(kernn.__file__).resolve().parents[1])
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": env_path, "PATH": ""}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "ERR" in proc.stdout and 'pip install "kernn[plots]"' in proc.stdout


def test_plot_functions_raise_import_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    monkeypatch.setattr(plotting, "_graphviz_available", lambda: False)
    with pytest.raises(ImportError, match=r"kernn\[plots\]"):
        kernn.utils.plot_images(np.zeros((2, 8, 8)))
    with pytest.raises(ImportError, match=r"kernn\[plots\]"):
        kernn.utils.plot_model(_sequential(), to_file="unused.png")


pytest.importorskip("matplotlib")


def test_plot_history_from_fit(tmp_path):
    x = np.random.default_rng(0).random((32, 8, 8, 1)).astype(np.float32)
    y = np.arange(32) % 3
    model = _sequential()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    fig = kernn.utils.plot_history(history, to_file=tmp_path / "h.png")
    _assert_png(tmp_path / "h.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert len(fig.axes[0].lines) == 2  # train and validation
    kernn.utils.plot_history(history.history, to_file=tmp_path / "sub" / "l.png", metrics="loss")
    _assert_png(tmp_path / "sub" / "l.png")


def test_plot_history_errors():
    with pytest.raises(ValueError, match="no logged values"):
        kernn.utils.plot_history({})
    with pytest.raises(ValueError, match="Unknown metrics"):
        kernn.utils.plot_history({"loss": [1.0]}, metrics=["mae"])
    with pytest.raises(TypeError, match="history"):
        kernn.utils.plot_history([1.0, 2.0])


@pytest.mark.parametrize("shape", [(5, 8, 8), (5, 8, 8, 1), (5, 6, 7, 3)], ids=["gray", "gray1", "rgb"])
def test_plot_images(tmp_path, shape):
    images = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    fig = kernn.utils.plot_images(images, to_file=tmp_path / "g.png", ncols=3, titles=list("abcde"))
    _assert_png(tmp_path / "g.png")
    assert sum(1 for ax in fig.axes if ax.images) == 5


def test_plot_images_errors():
    with pytest.raises(ValueError, match="images"):
        kernn.utils.plot_images(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="ncols"):
        kernn.utils.plot_images(np.zeros((2, 8, 8)), ncols=0)
    with pytest.raises(ValueError, match="titles"):
        kernn.utils.plot_images(np.zeros((2, 8, 8)), titles=["a"])


@pytest.mark.parametrize("graphviz", [False, True], ids=["matplotlib", "pydot"])
@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_plot_model(tmp_path, monkeypatch, graphviz, kind):
    if graphviz and not plotting._graphviz_available():
        pytest.skip("pydot with graphviz's dot is not installed")
    if not graphviz:
        monkeypatch.setattr(plotting, "_graphviz_available", lambda: False)
    if kind == "sequential":
        model = _sequential()
    else:
        if not hasattr(layers, "Concatenate"):
            pytest.skip("needs the functional API")
        inp = kernn.Input((6,), name="x")
        a = layers.Dense(4, activation="relu", name="a")(inp)
        b = layers.Dense(3, name="b")(inp)
        out = layers.Dense(2, activation="softmax", name="out")(layers.Concatenate(name="cat")([a, b]))
        model = kernn.Model(inp, out)
        edges = plotting._graph(model)[1]
        names = [la.name for la in plotting._graph(model)[0]]
        assert {(names[i], names[j]) for i, j in edges} == {("x", "a"), ("x", "b"), ("a", "cat"), ("b", "cat"),
                                                            ("cat", "out")}
    kernn.utils.plot_model(model, to_file=str(tmp_path / "m.png"), show_shapes=True, show_layer_names=True,
                           show_layer_activations=True, show_trainable=True, show_dtype=True, dpi=60)
    _assert_png(tmp_path / "m.png")
    kernn.utils.plot_model(model, to_file=str(tmp_path / "lr.png"), rankdir="LR", dpi=60)
    _assert_png(tmp_path / "lr.png")


def test_plot_model_errors(tmp_path):
    with pytest.raises(ValueError, match="rankdir"):
        kernn.utils.plot_model(_sequential(), to_file=str(tmp_path / "m.png"), rankdir="XY")
    with pytest.raises(TypeError, match="unexpected"):
        kernn.utils.plot_model(_sequential(), to_file=str(tmp_path / "m.png"), show_colors=True)
