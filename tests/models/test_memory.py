"""No memory leaks over repeated fit / predict / train_on_batch (issue #8).

Resident memory (/proc/self/statm) is read after a warm-up (caches, workspaces and the
allocator's pools reach their steady size) and again after many more steps; it must stay
flat. A real leak grows in every window, so a window that grew is measured once more before
failing: one-off growth (the allocator mapping a new arena) does not fail the test.
"""
import gc
import os

import numpy as np
import pytest

import kernn
from kernn import layers

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc/self/statm (Linux)")

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_LIMIT_MB = 1.5  # per window: catches a leak of more than ~30 KB per step


def _rss_mb():
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


def _steady(step, warmup, window):
    for _ in range(warmup):
        step()
    growth = []
    for _ in range(3):
        before = _rss_mb()
        for _ in range(window):
            step()
        growth.append(_rss_mb() - before)
        if growth[-1] < _LIMIT_MB:
            return growth
    pytest.fail(f"resident memory grew by {', '.join(f'{g:.1f}' for g in growth)} MB in successive windows of "
                f"{window} steps")


def _model(kind):
    kernn.utils.set_random_seed(3)
    if kind == "dense":
        m = kernn.Sequential([kernn.Input((20,)), layers.Dense(64, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(3, activation="softmax")])
        x = np.random.default_rng(0).standard_normal((64, 20)).astype(np.float32)
        y = np.random.default_rng(1).integers(0, 3, 64)
        m.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    elif kind == "cnn":
        m = kernn.Sequential([kernn.Input((12, 12, 3)), layers.Conv2D(8, 3, padding="same", activation="relu"),
                              layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dense(2, activation="softmax")])
        x = np.random.default_rng(0).standard_normal((32, 12, 12, 3)).astype(np.float32)
        y = np.random.default_rng(1).integers(0, 2, 32)
        m.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    else:
        m = kernn.Sequential([kernn.Input((10, 4)), layers.LSTM(16, return_sequences=True), layers.GRU(8),
                              layers.Dense(1)])
        x = np.random.default_rng(0).standard_normal((32, 10, 4)).astype(np.float32)
        y = np.random.default_rng(1).standard_normal((32, 1)).astype(np.float32)
        m.compile("sgd", "mse")
    return m, x, y


@pytest.mark.parametrize("kind", ["dense", "cnn", "lstm"])
def test_resident_memory_stays_flat(kind):
    model, x, y = _model(kind)
    kernn.set_num_threads(2)  # worker threads and their cached workspaces take part (restored by conftest)

    def step():
        model.fit(x, y, batch_size=16, epochs=1, verbose=0, validation_split=0.25)
        model.train_on_batch(x[:16], y[:16])
        model.predict(x, batch_size=16, verbose=0)
        model.predict_on_batch(x[:8])
        model.evaluate(x, y, batch_size=32, verbose=0)

    _steady(step, warmup=15, window=50)  # a window: 200 training steps, 400 inference batches
