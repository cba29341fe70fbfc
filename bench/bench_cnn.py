"""End-to-end CNN workloads E2 and E5 (shared/bench/WORKLOADS.md): one training epoch,
kernn vs the same model written for PyTorch (idiomatic nn.Module, a plain loop over the same
arrays) and for Keras 3 on its torch backend (the same Keras code as kernn's), batch 32,
Adam, shuffled; each peer when installed.

    python bench/bench_cnn.py [--epochs 2] [--rounds 3] [--only E2] [--skip-keras]

E2: digits as 8x8x1 images, Conv2D(32,3,same,relu) -> Conv2D(64,3,same,relu) -> MaxPooling2D(2)
    -> Flatten -> Dense(10, softmax). E5: 4,096 images 28x28x1 (synthetic blobs when no data
    set is at hand), Conv2D(16,3,same,relu) -> MaxPooling2D -> Conv2D(8,3,same,relu) ->
    UpSampling2D -> Conv2D(1,3,same,sigmoid), binary crossentropy. Prints seconds per epoch
    (the median over epochs after the first) and the final training loss. The libraries take
    turns, --rounds times; a ratio is the median of the rounds' ratios.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402


def digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.images / 16.0).astype(np.float32)[..., None], d.target.astype(np.int64)


def blobs(n=4096, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:28, :28]
    cy, cx = rng.uniform(6, 22, (2, n, 1, 1))
    r = rng.uniform(3, 8, (n, 1, 1))
    img = ((yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2).astype(np.float32)
    return img[..., None]


def keras_like_model(lib, wid):
    """kernn and Keras share the code."""
    L = lib.layers
    if wid == "E2":
        m = lib.Sequential([L.Input(shape=(8, 8, 1)), L.Conv2D(32, 3, padding="same", activation="relu"),
                            L.Conv2D(64, 3, padding="same", activation="relu"), L.MaxPooling2D(2),
                            L.Flatten(), L.Dense(10, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    else:
        m = lib.Sequential([L.Input(shape=(28, 28, 1)), L.Conv2D(16, 3, padding="same", activation="relu"),
                            L.MaxPooling2D(), L.Conv2D(8, 3, padding="same", activation="relu"),
                            L.UpSampling2D(), L.Conv2D(1, 3, padding="same", activation="sigmoid")])
        m.compile(optimizer="adam", loss="binary_crossentropy")
    return m


def keras_like_epochs(lib, wid, x, y, epochs):
    """Median seconds per epoch after the first, and the last loss."""
    model = keras_like_model(lib, wid)
    times, loss = [], None
    for _ in range(epochs):
        t0 = time.perf_counter()
        h = model.fit(x, y, epochs=1, batch_size=32, shuffle=True, verbose=0)
        times.append(time.perf_counter() - t0)
        loss = h.history["loss"][-1]
    return float(np.median(times[1:] if len(times) > 1 else times)), float(loss)


def torch_epoch_fn(torch, wid, x, y):
    nn = torch.nn
    if wid == "E2":
        net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 16, 10))
        loss_fn = nn.CrossEntropyLoss()
        tx, ty = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y)
    else:
        net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 8, 3, padding=1),
                            nn.ReLU(), nn.Upsample(scale_factor=2), nn.Conv2d(8, 1, 3, padding=1))
        loss_fn = nn.BCEWithLogitsLoss()
        tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
        ty = tx
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)

    def epoch():
        perm = torch.randperm(len(tx))
        total = 0.0
        for i in range(0, len(tx), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = loss_fn(net(tx[idx]), ty[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        return total / len(tx)
    return epoch


def torch_epochs(torch, wid, x, y, epochs):
    """Median seconds of PyTorch epochs after the first, and the last epoch's loss."""
    epoch = torch_epoch_fn(torch, wid, x, y)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        loss = epoch()
        times.append(time.perf_counter() - t0)
    return float(np.median(times[1:] if len(times) > 1 else times)), loss


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each library, alternating")
    ap.add_argument("--only", default=None, help="E2 or E5")
    ap.add_argument("--skip-keras", action="store_true")
    args = ap.parse_args()
    torch = common.try_import_torch()
    keras = None if args.skip_keras else common.try_import_keras()
    print(common.peers_line(torch, keras))
    rows = []
    for wid in ("E2", "E5"):
        if args.only and wid not in args.only.split(","):
            continue
        if wid == "E2":
            x, y = digits()
        else:
            x = blobs()
            y = x
        rows.append(common.epoch_row(
            wid, args.rounds, lambda: keras_like_epochs(kernn, wid, x, y, args.epochs),
            (lambda: torch_epochs(torch, wid, x, y, args.epochs)) if torch else None,
            (lambda: keras_like_epochs(keras, wid, x, y, args.epochs)) if keras else None))
    common.print_table(common.EPOCH_HEADER, rows)


if __name__ == "__main__":
    main()
