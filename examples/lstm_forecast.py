"""Forecast a univariate series with an LSTM: windows from split_sequences, early stopping.

    python examples/lstm_forecast.py [--short] [--plots DIR]

A noisy seasonal series (synthetic, offline) is cut into windows of 24 steps whose
target is the next value. EarlyStopping stops when the validation loss stalls and
restores the best weights; ModelCheckpoint keeps the best model on disk. Ends by
printing the test RMSE next to the naive "repeat the last value" forecast.
"""
import argparse
import os
import shutil
import tempfile

import numpy as np

import kernn as keras
from kernn import layers

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--short", action="store_true", help="a tiny run, for tests")
p.add_argument("--plots", metavar="DIR", help="save figures there (needs matplotlib)")
args = p.parse_args()
keras.utils.set_random_seed(0)

# A monthly-looking series: trend + yearly season + noise, scaled to about [-1, 1].
t = np.arange(600 if not args.short else 150, dtype=np.float64)
rng = np.random.default_rng(0)
series = 0.002 * t + np.sin(2 * np.pi * t / 12) + 0.5 * np.sin(2 * np.pi * t / 40) + 0.1 * rng.standard_normal(len(t))
series = (series - series.mean()) / series.std()

n_steps = 24
X, y = keras.utils.split_sequences(series.astype("float32"), n_steps)  # X (samples, 24, 1), y (samples,)
cut_val, cut_test = int(0.7 * len(X)), int(0.85 * len(X))
x_train, y_train = X[:cut_val], y[:cut_val]
x_val, y_val = X[cut_val:cut_test], y[cut_val:cut_test]
x_test, y_test = X[cut_test:], y[cut_test:]

model = keras.Sequential([
    keras.Input(shape=(n_steps, 1)),
    layers.LSTM(32),
    layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse", metrics=["mae"])

checkpoint_dir = tempfile.mkdtemp(prefix="kernn_lstm_")
best_path = os.path.join(checkpoint_dir, "best.keras")
callbacks = [
    keras.callbacks.EarlyStopping(monitor="val_loss", patience=8, restore_best_weights=True),
    keras.callbacks.ModelCheckpoint(best_path, monitor="val_loss", save_best_only=True),
]
history = model.fit(x_train, y_train, batch_size=32, epochs=2 if args.short else 60,
                    validation_data=(x_val, y_val), callbacks=callbacks, verbose=0 if args.short else 2)

pred = model.predict(x_test, verbose=0).ravel()
best = keras.models.load_model(best_path)  # the checkpoint holds the best epoch, which EarlyStopping restored
same = np.allclose(best.predict(x_test, verbose=0).ravel(), pred, atol=1e-5)
print(f"best checkpoint reloaded: same forecasts as the restored model: {same}")
shutil.rmtree(checkpoint_dir, ignore_errors=True)
rmse = float(np.sqrt(np.mean((pred - y_test) ** 2)))
naive = float(np.sqrt(np.mean((x_test[:, -1, 0] - y_test) ** 2)))
if args.plots:
    try:
        keras.utils.plot_history(history, to_file=os.path.join(args.plots, "lstm_forecast_history.png"))
        from matplotlib.figure import Figure

        fig = Figure(figsize=(8, 3))
        ax = fig.subplots()
        ax.plot(y_test, label="actual")
        ax.plot(pred, "--", label="LSTM forecast")
        ax.legend()
        fig.savefig(os.path.join(args.plots, "lstm_forecast.png"), bbox_inches="tight")
    except ImportError as e:
        print(f"no plots: {e}")
print(f"epochs run: {len(history.history['loss'])}")
print(f"test RMSE: {rmse:.4f} (naive last-value forecast: {naive:.4f})")
