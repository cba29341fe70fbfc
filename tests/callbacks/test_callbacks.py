"""Callback hooks and their order, History, LambdaCallback, the progress bar's text."""
import re

import numpy as np
import pytest

import kernn
from kernn import callbacks, layers


@pytest.fixture(autouse=True)
def _seed():
    kernn.utils.set_random_seed(0)


def _model(metrics=("accuracy",)):
    model = kernn.Sequential([kernn.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=list(metrics))
    return model


def _data(n=8):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 3, n)


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        attr = object.__getattribute__(self, name)
        if name.startswith("on_") and callable(attr):
            calls = object.__getattribute__(self, "calls")

            def wrapped(*args, **kwargs):
                calls.append(name)
                return attr(*args, **kwargs)
            return wrapped
        return attr


def test_hook_order_fit_with_validation():
    x, y = _data()
    rec = Recorder()
    _model().fit(x, y, batch_size=4, epochs=1, validation_data=(x, y), callbacks=[rec], verbose=0)
    assert rec.calls == [
        "on_train_begin", "on_epoch_begin",
        "on_train_batch_begin", "on_batch_begin", "on_train_batch_end", "on_batch_end",
        "on_train_batch_begin", "on_batch_begin", "on_train_batch_end", "on_batch_end",
        "on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_batch_begin", "on_test_batch_end",
        "on_test_end", "on_epoch_end", "on_train_end",
    ]
    assert rec.params == {"verbose": 0, "epochs": 1, "steps": 2}
    assert rec.model is not None


def test_hook_order_evaluate_and_predict():
    x, y = _data(6)
    model = _model()
    rec = Recorder()
    model.evaluate(x, y, batch_size=4, callbacks=[rec], verbose=0)
    assert rec.calls == ["on_test_begin", "on_test_batch_begin", "on_test_batch_end", "on_test_batch_begin",
                         "on_test_batch_end", "on_test_end"]
    rec = Recorder()
    model.predict(x, batch_size=6, callbacks=[rec], verbose=0)
    assert rec.calls == ["on_predict_begin", "on_predict_batch_begin", "on_predict_batch_end", "on_predict_end"]


def test_logs_passed_to_hooks():
    x, y = _data()
    seen = {}

    def batch_end(batch, logs):
        seen.setdefault("batch", []).append(dict(logs))

    def epoch_end(epoch, logs):
        seen["epoch"] = dict(logs)

    cb = callbacks.LambdaCallback(on_batch_end=batch_end, on_epoch_end=epoch_end,
                                  on_train_begin=lambda logs: seen.setdefault("begin", True))
    _model().fit(x, y, batch_size=4, epochs=1, validation_split=0.5, callbacks=[cb], verbose=0)
    assert seen["begin"] and list(seen["batch"][0]) == ["accuracy", "loss"]
    assert list(seen["epoch"]) == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_lambda_callback_rejects_unknown_hook():
    with pytest.raises(ValueError, match="on_epoch_ending"):
        callbacks.LambdaCallback(on_epoch_ending=print)


def test_history_records_each_epoch():
    x, y = _data()
    h = _model().fit(x, y, epochs=3, verbose=0)
    assert isinstance(h, callbacks.History) and h.epoch == [0, 1, 2]
    assert all(len(v) == 3 for v in h.history.values())


def test_callback_list_type_check():
    with pytest.raises(TypeError, match="Expected a list of `kernn.callbacks.Callback` instances"):
        _model().fit(*_data(), callbacks=[print], verbose=0)


def test_progress_bar_verbose_1(capsys):
    x, y = _data()
    _model().fit(x, y, batch_size=4, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2\n" in out and "Epoch 2/2\n" in out
    final = [line.split("\r")[-1] for line in out.split("\n") if "2/2" in line and "step" in line]
    assert len(final) == 2
    assert re.fullmatch(r"2/2 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}\s*", final[0])


def test_progress_bar_verbose_2_one_line_per_epoch(capsys):
    x, y = _data()
    _model().fit(x, y, batch_size=4, epochs=2, verbose=2, validation_data=(x, y))
    lines = capsys.readouterr().out.strip().split("\n")
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
                        r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}", lines[1])


def test_single_epoch_has_no_header_and_evaluate_prints(capsys):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=1, verbose=2)
    model.evaluate(x, y, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch" not in out
    assert re.search(r"1/1 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", out)


def test_progbar_small_values_use_exponent():
    import io
    from kernn.utils.progbar import Progbar
    s = io.StringIO()
    bar = Progbar(2, verbose=2, stream=s)
    bar.update(1, [("loss", 1e-5)])
    bar.update(2, [("loss", 2e-5)])
    assert s.getvalue().endswith("- loss: 2.0000e-05\n")
