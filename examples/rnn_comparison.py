"""SimpleRNN, GRU and LSTM on the same sequence task: a small table of accuracy and time.

    python examples/rnn_comparison.py [--short] [--plots DIR]

The task needs memory: a sequence of 20 random values in which two steps are marked;
the label says whether the two marked values add up to more than 1 (the "adding
problem" as a classification). Each layer type gets the same data, width and epochs.
Ends by printing the table.
"""
import argparse
import os
import time

import numpy as np

import kernn as keras
from kernn import layers

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--short", action="store_true", help="a tiny run, for tests")
p.add_argument("--plots", metavar="DIR", help="save figures there (needs matplotlib)")
args = p.parse_args()
rng = np.random.default_rng(0)

steps, n = 20, 256 if args.short else 4000
values = rng.random((n, steps))
marks = np.zeros((n, steps))
for i in range(n):
    marks[i, rng.choice(steps, 2, replace=False)] = 1.0
x = np.stack([values, marks], axis=-1).astype("float32")  # (samples, steps, 2)
y = ((values * marks).sum(axis=1) > 1.0).astype("float32")
cut = int(0.8 * n)

rows, histories = [], {}
for cls in (layers.SimpleRNN, layers.GRU, layers.LSTM):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(steps, 2)), cls(32), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.005), loss="binary_crossentropy",
                  metrics=["accuracy"])
    t0 = time.perf_counter()
    histories[cls.__name__] = model.fit(x[:cut], y[:cut], batch_size=64, epochs=1 if args.short else 15,
                                        validation_split=0.1, verbose=0)
    seconds = time.perf_counter() - t0
    _, acc = model.evaluate(x[cut:], y[cut:], verbose=0)
    rows.append((cls.__name__, model.count_params(), seconds, acc))

if args.plots:
    try:
        for name, hist in histories.items():
            keras.utils.plot_history(hist, to_file=os.path.join(args.plots, f"rnn_comparison_{name}.png"))
    except ImportError as e:
        print(f"no plots: {e}")
print(f"{'layer':<10} {'params':>7} {'train s':>8} {'test accuracy':>14}")
for name, params, seconds, acc in rows:
    print(f"{name:<10} {params:>7} {seconds:>8.1f} {acc:>14.4f}")
