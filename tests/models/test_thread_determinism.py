"""A whole fit gives bit-identical weights with one and with two threads (issue #8's promise)."""
import numpy as np
import pytest

import kernn
from kernn import layers


def _fit(build, x, y, threads, epochs=2):
    with kernn.threads(threads):
        kernn.utils.set_random_seed(7)
        model = build()
        model.compile(kernn.optimizers.Adam(1e-2), "mse")
        model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, shuffle=True)
        return [w.copy() for w in model.get_weights()]


@pytest.mark.parametrize("kind", ["cnn", "lstm"])
def test_fit_is_bit_identical_for_one_and_two_threads(kind):
    rng = np.random.default_rng(0)
    if kind == "cnn":
        x = rng.standard_normal((64, 24, 24, 3)).astype(np.float32)
        y = rng.standard_normal((64, 3)).astype(np.float32)

        def build():
            return kernn.Sequential([kernn.Input((24, 24, 3)), layers.Conv2D(32, 3, padding="same", activation="relu"),
                                     layers.BatchNormalization(), layers.MaxPooling2D(2),
                                     layers.Conv2D(16, 3, activation="tanh"), layers.Flatten(), layers.Dense(3)])
    else:
        x = rng.standard_normal((64, 20, 16)).astype(np.float32)
        y = rng.standard_normal((64, 1)).astype(np.float32)

        def build():
            return kernn.Sequential([kernn.Input((20, 16)), layers.LSTM(64, return_sequences=True),
                                     layers.GRU(32), layers.Dense(1)])
    start = _fit(build, x, y, 1, epochs=0)
    one = _fit(build, x, y, 1)
    two = _fit(build, x, y, 2)
    assert not all(np.array_equal(a, b) for a, b in zip(start, one))  # training moved the weights
    for a, b in zip(one, two):
        assert np.array_equal(a, b)
