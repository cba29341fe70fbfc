"""Whole-model training: workload E1 and the per-call Python overhead, kernn vs PyTorch vs Keras.

    python bench/bench_models.py [--epochs 5] [--reps 7] [--rounds 3] [--isa avx2]

E1 (../shared/bench/WORKLOADS.md): scikit-learn digits (1,797 x 64, one-hot),
Dense(128, relu) -> Dense(64, relu) -> Dense(10, softmax), categorical cross-entropy, Adam,
batch 32, shuffled. Reported: median seconds per epoch (after one warm-up epoch) and the
final training loss, for kernn, PyTorch (an idiomatic nn.Module and a plain loop over the
same arrays) and Keras 3 on the torch backend, each when installed.

Overhead: one `train_on_batch` and one `predict` (and `predict_on_batch`) on a single
sample of a small MLP (Dense(32, relu) -> Dense(1)), next to Keras and to PyTorch's
equivalent step / forward. Ratios are peer time / kernn time (> 1: kernn is faster).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402


def load_e1():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[d.target]
    return x, y


# ---------------------------------------------------------------------------- E1 per library
def e1_keras_like(lib, x, y, epochs):
    """kernn and Keras share the code: Sequential + compile + fit, one epoch per fit call."""
    lib.utils.set_random_seed(0)
    model = lib.Sequential([lib.Input(shape=(64,)), lib.layers.Dense(128, activation="relu"),
                            lib.layers.Dense(64, activation="relu"), lib.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=lib.optimizers.Adam(learning_rate=1e-3), loss="categorical_crossentropy")
    times, loss = [], None
    for _ in range(epochs + 1):  # first epoch is the warm-up
        t0 = time.perf_counter()
        h = model.fit(x, y, batch_size=32, epochs=1, shuffle=True, verbose=0)
        times.append(time.perf_counter() - t0)
        loss = h.history["loss"][-1]
    return float(np.median(times[1:])), float(loss)


def e1_torch(torch, x, y, epochs):
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    lossf = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    n = len(x)
    times, last = [], None
    for _ in range(epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        total = 0.0
        for i in range(0, n, 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = lossf(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        times.append(time.perf_counter() - t0)
        last = total / n
    return float(np.median(times[1:])), float(last)


# ---------------------------------------------------------------------------- overhead
def overhead_keras_like(lib, reps, rounds):
    model = lib.Sequential([lib.Input(shape=(8,)), lib.layers.Dense(32, activation="relu"), lib.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    x1 = np.ones((1, 8), np.float32)
    y1 = np.ones((1, 1), np.float32)
    model.train_on_batch(x1, y1)
    model.predict(x1, verbose=0)
    return {
        "train_on_batch": common.timeit(lambda: model.train_on_batch(x1, y1), reps=reps),
        "predict": common.timeit(lambda: model.predict(x1, verbose=0), reps=reps),
        "predict_on_batch": common.timeit(lambda: model.predict_on_batch(x1), reps=reps),
    }


def overhead_torch(torch, reps, rounds):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = nn.MSELoss()
    x1, y1 = torch.ones(1, 8), torch.ones(1, 1)

    def step():
        opt.zero_grad()
        loss = lossf(model(x1), y1)
        loss.backward()
        opt.step()
        return float(loss.detach())

    def fwd():
        with torch.no_grad():
            return model(x1).numpy()

    return {"train_on_batch": common.timeit(step, reps=reps), "predict": common.timeit(fwd, reps=reps),
            "predict_on_batch": common.timeit(fwd, reps=reps)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--isa", choices=["scalar", "avx2", "avx512"], default=None)
    ap.add_argument("--skip-keras", action="store_true")
    args = ap.parse_args()
    if args.isa:
        kernn._core.set_max_isa(args.isa)
    torch = common.try_import_torch()
    keras = None if args.skip_keras else common.try_import_keras()
    print(common.machine_line())
    x, y = load_e1()

    peers = {"kernn": lambda: e1_keras_like(kernn, x, y, args.epochs)}
    if torch is not None:
        peers["pytorch"] = lambda: e1_torch(torch, x, y, args.epochs)
    if keras is not None:
        peers["keras(torch)"] = lambda: e1_keras_like(keras, x, y, args.epochs)
    t, loss = common.alternate_runs(peers, args.rounds)  # ratios are paired by round
    rows, data = [], {"E1": {}, "overhead": {}}
    for name in peers:
        rows.append([name, f"{t[name]:.4f}", f"{loss[name]:.4f}", f"{t.ratio(name, 'kernn'):.2f}x"])
        data["E1"][name] = {"seconds_per_epoch": t[name], "final_loss": loss[name]}
    print(f"\nE1 digits MLP, batch 32, {args.epochs} epochs after a warm-up (median of {args.rounds} runs)")
    common.print_table(["library", "s/epoch", "final loss", "time vs kernn"], rows)

    ov = {"kernn": overhead_keras_like(kernn, args.reps, args.rounds)}
    if torch is not None:
        ov["pytorch"] = overhead_torch(torch, args.reps, args.rounds)
    if keras is not None:
        ov["keras(torch)"] = overhead_keras_like(keras, args.reps, args.rounds)
    rows = []
    for name, r in ov.items():
        rows.append([name] + [f"{r[k] * 1e6:.0f} ({r[k] / ov['kernn'][k]:.1f}x)" for k in
                              ("train_on_batch", "predict", "predict_on_batch")])
        data["overhead"][name] = r
    print("\nSingle-sample overhead, Dense(32, relu) -> Dense(1): microseconds per call (time vs kernn)")
    common.print_table(["library", "train_on_batch", "predict", "predict_on_batch"], rows)
    common.save_json("bench_models", data)


if __name__ == "__main__":
    main()
