"""EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, CSVLogger,
TerminateOnNaN, BackupAndRestore and TensorBoard on small real fits."""
import csv
import os

import numpy as np
import pytest

import kernn
from kernn import callbacks, layers


@pytest.fixture(autouse=True)
def _seed():
    kernn.utils.set_random_seed(7)
    kernn.layers.layer.clear_session()


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype(np.float32)
    return x, (x @ np.array([[1.0], [-2.0], [0.5]])).astype(np.float32)


def _model(lr=0.05):
    m = kernn.Sequential([kernn.Input((3,)), layers.Dense(4, activation="tanh"), layers.Dense(1)])
    m.compile(kernn.optimizers.SGD(lr), "mse", metrics=["mae"])
    return m


class Script(callbacks.Callback):
    """Writes scripted values of `score` into the logs and records the weights each epoch."""

    def __init__(self, values):
        super().__init__()
        self.values = values
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        logs["score"] = self.values[epoch]
        self.weights.append(self.model.get_weights())


def test_early_stopping_stops_after_best_plus_patience_and_restores():
    x, y = _data()
    model = _model()
    script = Script([5.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0])
    es = callbacks.EarlyStopping(monitor="score", mode="min", patience=2, restore_best_weights=True)
    h = model.fit(x, y, epochs=8, verbose=0, callbacks=[script, es])
    assert len(h.history["loss"]) == 4  # best epoch 1 + patience 2 + 1
    assert es.stopped_epoch == 3 and es.best_epoch == 1
    for a, b in zip(model.get_weights(), script.weights[1]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_restores_even_without_stopping_and_baseline_and_auto_mode():
    x, y = _data()
    model = _model()
    script = Script([3.0, 1.0, 2.0])
    es = callbacks.EarlyStopping(monitor="score", mode="min", patience=5, restore_best_weights=True)
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[script, es])
    assert len(h.history["loss"]) == 3 and es.stopped_epoch == 0
    for a, b in zip(model.get_weights(), script.weights[1]):
        np.testing.assert_array_equal(a, b)
    # a baseline never beaten: the first epoch counts towards patience
    flat = [3.0] * 6
    h2 = _model().fit(x, y, epochs=6, verbose=0, callbacks=[Script(flat), callbacks.EarlyStopping(
        monitor="score", mode="min", patience=2)])
    h3 = _model().fit(x, y, epochs=6, verbose=0, callbacks=[Script(flat), callbacks.EarlyStopping(
        monitor="score", mode="min", patience=2, baseline=0.5)])
    assert len(h2.history["loss"]) == 3 and len(h3.history["loss"]) == 2
    # auto mode: accuracy is maximized, unknown names need a mode
    assert callbacks.EarlyStopping(monitor="val_accuracy") is not None
    with pytest.raises(ValueError, match="maximized or minimized"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[Script([1.0]), callbacks.EarlyStopping(monitor="score")])


def test_model_checkpoint_formats_and_keeps_best(tmp_path):
    x, y = _data()
    model = _model()
    script = Script([3.0, 1.0, 2.0, 0.5, 4.0])
    every = callbacks.ModelCheckpoint(str(tmp_path / "m-{epoch:02d}-{score:.1f}.keras"), monitor="score")
    best = callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), monitor="score", mode="min",
                                     save_best_only=True, save_weights_only=True)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[script, every, best])
    assert sorted(os.listdir(tmp_path)) == ["best.weights.h5", "m-01-3.0.keras", "m-02-1.0.keras", "m-03-2.0.keras",
                                            "m-04-0.5.keras", "m-05-4.0.keras"]
    other = _model()
    other.load_weights(tmp_path / "best.weights.h5")
    for a, b in zip(other.get_weights(), script.weights[3]):
        np.testing.assert_array_equal(a, b)
    loaded = kernn.models.load_model(tmp_path / "m-02-1.0.keras")
    for a, b in zip(loaded.get_weights(), script.weights[1]):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"must end in `.keras`"):
        callbacks.ModelCheckpoint(str(tmp_path / "x.h5py"))
    with pytest.raises(ValueError, match=r"`.weights.h5`"):
        callbacks.ModelCheckpoint(str(tmp_path / "x.keras"), save_weights_only=True)
    batchwise = callbacks.ModelCheckpoint(str(tmp_path / "b-{epoch}-{batch}.keras"), save_freq=2)
    _model().fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[batchwise])
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("b-")) == ["b-1-2.keras", "b-1-4.keras"]


def test_reduce_lr_on_plateau_and_scheduler():
    x, y = _data()
    model = _model(lr=0.1)
    script = Script([1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    rl = callbacks.ReduceLROnPlateau(monitor="score", factor=0.5, patience=2, min_lr=0.03)
    h = model.fit(x, y, epochs=6, verbose=0, callbacks=[script, rl])
    np.testing.assert_allclose(h.history["learning_rate"], [0.1, 0.1, 0.1, 0.05, 0.05, 0.03], rtol=1e-6)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.03)
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.5)
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch else lr)
    h = _model(lr=0.2).fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    np.testing.assert_allclose(h.history["learning_rate"], [0.2, 0.1, 0.05], rtol=1e-6)
    with pytest.raises(ValueError, match="should be a float"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.LearningRateScheduler(lambda e: "x")])


def test_csv_logger_writes_and_appends(tmp_path):
    x, y = _data()
    path = tmp_path / "log.csv"
    _model().fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[callbacks.CSVLogger(str(path))])
    _model().fit(x, y, epochs=1, verbose=0, validation_split=0.25,
                 callbacks=[callbacks.CSVLogger(str(path), append=True)])
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "0"]
    float(rows[1][1])


def test_terminate_on_nan(capsys):
    x, y = _data()
    model = _model(lr=1e6)
    h = model.fit(x * 1e3, y * 1e3, epochs=5, batch_size=4, verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(h.history["loss"]) == 1
    assert "Invalid loss, terminating training" in capsys.readouterr().out


class Crash(callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            raise RuntimeError("interrupted")


def test_backup_and_restore_resumes_at_the_right_epoch(tmp_path):
    x, y = _data()
    ref = _model()
    start = ref.get_weights()
    ref.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    model = _model()
    model.set_weights(start)
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup), Crash()])
    assert os.path.exists(os.path.join(backup, "latest.weights.h5"))
    fresh = _model()  # a new process would rebuild the model and fit again
    seen = []
    h = fresh.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup),
                             callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))])
    assert seen == [2, 3] and len(h.history["loss"]) == 2
    for a, b in zip(fresh.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not os.path.exists(backup)


def test_tensorboard_event_files_read_back(tmp_path):
    pytest.importorskip("tensorboardX", reason="tensorboardX (the `tensorboard` extra) is not installed")
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator",
                             reason="the tensorboard package (its reader) is not installed")
    x, y = _data()
    tb = callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1, write_images=True, update_freq=2)
    h = _model().fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0, callbacks=[tb])
    acc = ea.EventAccumulator(str(tmp_path / "train"), size_guidance={ea.SCALARS: 0, ea.HISTOGRAMS: 0})
    acc.Reload()
    loss = [e.value for e in acc.Scalars("epoch_loss")]
    np.testing.assert_allclose(loss, h.history["loss"], rtol=1e-6)
    assert [e.step for e in acc.Scalars("batch_loss")] == [2, 4, 6, 8]
    assert any(t.endswith("/histogram") for t in acc.Tags()["histograms"])
    val = ea.EventAccumulator(str(tmp_path / "validation"))
    val.Reload()
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")], h.history["val_loss"], rtol=1e-6)
