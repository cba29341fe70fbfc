"""Several input series -> one target, and parallel series, each with an LSTM and with a Dense network.

    python examples/multivariate_series.py [--short] [--plots DIR]

Multiple inputs: the target is a noisy function of two input series over the last
steps (split_sequences with `target=`). Parallel: three related series, all predicted
one step ahead (split_sequences with `target=None`). A Dense network sees the window
flattened. Ends by printing a table of test RMSEs.
"""
import argparse
import os

import numpy as np

import kernn as keras
from kernn import layers

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--short", action="store_true", help="a tiny run, for tests")
p.add_argument("--plots", metavar="DIR", help="save figures there (needs matplotlib)")
args = p.parse_args()
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
n_time = 160 if args.short else 1000
epochs = 2 if args.short else 40
n_steps = 8
t = np.arange(n_time)

# Several input series and one target: y(t) depends on a(t), b(t) and a(t-3).
a = np.sin(2 * np.pi * t / 25) + 0.05 * rng.standard_normal(n_time)
b = np.cos(2 * np.pi * t / 17) + 0.05 * rng.standard_normal(n_time)
target = 0.6 * a + 0.3 * b * a + 0.4 * np.roll(a, 3) + 0.02 * rng.standard_normal(n_time)
multi = np.stack([a, b], axis=1).astype("float32")
X1, y1 = keras.utils.split_sequences(multi, n_steps, target=target.astype("float32"))  # (s, 8, 2), (s,)

# Parallel series: three series driven by one hidden oscillation, each predicted one step ahead.
h = np.sin(2 * np.pi * t / 30)
parallel = np.stack([h, 0.5 * np.roll(h, 2) + 0.3, h * h - 0.5], axis=1)
parallel = (parallel + 0.03 * rng.standard_normal(parallel.shape)).astype("float32")
X2, y2 = keras.utils.split_sequences(parallel, n_steps)  # (s, 8, 3), (s, 3)


def lstm(n_in, n_out):
    return keras.Sequential([keras.Input(shape=(n_steps, n_in)), layers.LSTM(32), layers.Dense(n_out)])


def dense(n_in, n_out):
    return keras.Sequential([keras.Input(shape=(n_steps, n_in)), layers.Flatten(),
                             layers.Dense(64, activation="relu"), layers.Dense(n_out)])


rows = []
histories = {}
for task, X, y in (("several inputs -> one target", X1, y1), ("parallel series", X2, y2)):
    cut = int(0.8 * len(X))
    n_out = 1 if y.ndim == 1 else y.shape[1]
    for kind, build in (("LSTM", lstm), ("Dense", dense)):
        model = build(X.shape[2], n_out)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="mse")
        histories[f"{task} / {kind}"] = model.fit(X[:cut], y[:cut], batch_size=32, epochs=epochs,
                                                  validation_split=0.1, verbose=0)
        pred = model.predict(X[cut:], verbose=0).reshape(y[cut:].shape)
        rows.append((task, kind, float(np.sqrt(np.mean((pred - y[cut:]) ** 2)))))

if args.plots:
    try:
        for i, (name, hist) in enumerate(histories.items()):
            keras.utils.plot_history(hist, to_file=os.path.join(args.plots, f"multivariate_{i}_history.png"))
    except ImportError as e:
        print(f"no plots: {e}")
print(f"{'task':<30} {'model':<6} test RMSE")
for task, kind, rmse in rows:
    print(f"{task:<30} {kind:<6} {rmse:.4f}")
