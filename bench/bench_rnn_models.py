"""End-to-end recurrent workloads E3 and E4 (shared/bench/WORKLOADS.md): one training epoch
of the same model in kernn, in PyTorch (idiomatic nn.Module and a loop over the same
arrays) and in Keras 3 on the torch backend (the same Keras code as kernn's), seconds per
epoch and the final training loss, in one run; each peer when installed.

    python bench/bench_rnn_models.py [--epochs 1] [--rounds 3] [--only E3,E4] [--threads N] [--skip-keras]

The libraries take turns, --rounds times; a ratio is the median of the rounds' ratios.

E3: 8,192 windows of 12 steps x 1 feature of a noisy sine, LSTM(64) -> Dense(1), mse, batch 32.
E4: 4,096 integer sequences of length 100 (vocabulary 5,000, pre-padded with zeros),
Embedding(5000, 64, mask_zero=True) -> Bidirectional(LSTM(64)) -> Dense(1, sigmoid), batch 64.
PyTorch's E4 runs the padded sequences unmasked (nn.LSTM has no masks).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402


def e3_data(rng):
    t = np.arange(8192 + 12)
    series = np.sin(0.1 * t) + 0.1 * rng.standard_normal(t.size)
    x = np.stack([series[i:i + 12] for i in range(8192)])[..., None].astype(np.float32)
    return x, series[12:12 + 8192, None].astype(np.float32)


def e4_data(rng):
    lengths = rng.integers(10, 101, 4096)
    x = np.zeros((4096, 100), np.int64)
    for i, n in enumerate(lengths):
        x[i, 100 - n:] = rng.integers(1, 5000, n)
    y = (x[:, -1] % 2).astype(np.float32)[:, None]
    return x, y


def keras_like_epoch(lib, name, x, y, epochs):
    """kernn and Keras share the code: Sequential + compile + fit."""
    lib.utils.set_random_seed(0)
    L = lib.layers
    if name == "E3":
        model = lib.Sequential([L.Input((12, 1)), L.LSTM(64), L.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        batch = 32
    else:
        model = lib.Sequential([L.Input((100,)), L.Embedding(5000, 64, mask_zero=True),
                                L.Bidirectional(L.LSTM(64)), L.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        batch = 64
    common.settle()  # building ran NumPy's QR (orthogonal init): let OpenBLAS's spinning threads go idle
    t0 = time.perf_counter()
    h = model.fit(x, y, epochs=epochs, batch_size=batch, shuffle=True, verbose=0)
    return (time.perf_counter() - t0) / epochs, h.history["loss"][-1]


def torch_epoch(torch, name, x, y, epochs):
    torch.manual_seed(0)
    nn = torch.nn

    class E3(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm, self.out = nn.LSTM(1, 64, batch_first=True), nn.Linear(64, 1)

        def forward(self, v):
            return self.out(self.lstm(v)[0][:, -1])

    class E4(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5000, 64, padding_idx=0)
            self.lstm = nn.LSTM(64, 64, batch_first=True, bidirectional=True)
            self.out = nn.Linear(128, 1)

        def forward(self, v):
            _, (h, _) = self.lstm(self.emb(v))
            return torch.sigmoid(self.out(torch.cat([h[0], h[1]], dim=1)))

    model = E3() if name == "E3" else E4()
    loss_fn = nn.MSELoss() if name == "E3" else nn.BCELoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    batch = 32 if name == "E3" else 64
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(len(xt))
        total = 0.0
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
    return (time.perf_counter() - t0) / epochs, total / len(xt)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3, help="runs of each library, alternating")
    ap.add_argument("--only", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--skip-keras", action="store_true")
    args = ap.parse_args()
    if args.threads:
        kernn.set_num_threads(args.threads)
    torch = common.try_import_torch()
    keras = None if args.skip_keras else common.try_import_keras()
    print(common.peers_line(torch, keras))
    rng = np.random.default_rng(0)
    rows = []
    for name, make in (("E3", e3_data), ("E4", e4_data)):
        if args.only and name not in args.only.split(","):
            continue
        x, y = make(rng)
        rows.append(common.epoch_row(
            name, args.rounds, lambda: keras_like_epoch(kernn, name, x, y, args.epochs),
            (lambda: torch_epoch(torch, name, x, y, args.epochs)) if torch else None,
            (lambda: keras_like_epoch(keras, name, x, y, args.epochs)) if keras else None))
    common.print_table(common.EPOCH_HEADER, rows)


if __name__ == "__main__":
    main()
