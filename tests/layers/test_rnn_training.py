"""Recurrent layers inside models trained with fit (the model API of kernn.models)."""
import numpy as np

import kernn
from kernn import layers
from kernn.models import Sequential


def _windows(n=1500, width=12, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    series = np.sin(0.3 * t) + 0.02 * rng.standard_normal(n)
    x = np.stack([series[i:i + width] for i in range(n - width)])[..., None].astype(np.float32)
    return x, series[width:].astype(np.float32)[:, None]


def test_lstm_fit_on_noisy_sine_beats_last_value_forecast_5x():
    kernn.utils.set_random_seed(0)
    x, y = _windows()
    model = Sequential([layers.Input((x.shape[1], 1)), layers.LSTM(16), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=4, batch_size=32, validation_split=0.2, verbose=0)
    n_val = int(len(x) * 0.2)
    xv, yv = x[-n_val:], y[-n_val:]
    mse = float(np.mean((model.predict(xv, verbose=0) - yv) ** 2))
    naive = float(np.mean((xv[:, -1, :] - yv) ** 2))
    assert mse * 5 < naive, (mse, naive)


def test_stacked_recurrent_layers_train():
    kernn.utils.set_random_seed(1)
    x, y = _windows(n=600)
    model = Sequential([layers.Input((x.shape[1], 1)), layers.GRU(8, return_sequences=True),
                        layers.Bidirectional(layers.SimpleRNN(4)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.count_params() == 3 * 8 * (8 + 1 + 2) + 2 * 4 * (4 + 8 + 1) + 9
