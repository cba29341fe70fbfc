"""Recurrent workloads R1-R4 (shared/bench/WORKLOADS.md): kernn vs PyTorch nn.RNN/LSTM/GRU
and Keras 3's SimpleRNN/LSTM/GRU layers (on the torch backend), each peer when installed.

    python bench/bench_rnn.py [--reps 5] [--rounds 3] [--only R1,R3] [--cells lstm,gru] [--isa avx2]
                              [--threads N] [--cpu-time] [--skip-keras]

For SimpleRNN, LSTM and GRU (reset_after=True), return_sequences=False: forward alone and
forward + backward (gradients of the input and all weights), kernn and PyTorch timed
alternately in this one process; then kernn's forward + backward with
recurrent_dropout=0.2 and with a pre-padded mask (a quarter of each row padded on average),
next to its plain case. Ratios are kernn's time over the peer's (< 1 means kernn is faster).

On a shared machine, `--threads 1 --cpu-time` times with the process CPU clock, which
leaves out the time other processes held the core (the figures in the README's
preliminary table were taken that way).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402

WORKLOADS = {"R1": (32, 50, 32, 128), "R2": (64, 100, 128, 256), "R3": (1, 200, 16, 64), "R4": (128, 30, 8, 32)}
GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
TORCH = {"simple_rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def kernn_case(cell, x, kernel, recurrent, bias, mask=None, rdm=None):
    fwd = getattr(kernn.ops, f"{cell}_forward")
    bwd = getattr(kernn.ops, f"{cell}_backward")

    def forward():
        fwd(x, kernel, recurrent, bias, mask=mask, recurrent_dropout_mask=rdm)

    ws = [None]

    def train():  # the training cache's workspace is reused from call to call, as the layers do
        out, _, cache = fwd(x, kernel, recurrent, bias, mask=mask, recurrent_dropout_mask=rdm, training=True,
                            workspace=ws[0])
        bwd(cache, np.ones_like(out), state_grad=False)  # no initial state, as PyTorch's runs
        ws[0] = cache.workspace

    return forward, train


def torch_case(torch, cell, x, units):
    module = getattr(torch.nn, TORCH[cell])(x.shape[2], units, batch_first=True)
    xt = torch.from_numpy(x).requires_grad_(True)

    def forward():
        with torch.no_grad():
            module(xt)

    def train():
        module.zero_grad(set_to_none=True)
        xt.grad = None
        out, _ = module(xt)
        out[:, -1].sum().backward()

    return forward, train


def keras_case(keras, torch, cell, x, units):
    """Keras's own layer on its torch backend; gradients of the input and all weights."""
    layer = getattr(keras.layers, {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}[cell])(units)
    layer.build(x.shape)
    xt = torch.from_numpy(x).requires_grad_(True)
    params = [xt] + [v.value for v in layer.trainable_variables]

    def forward():
        with torch.no_grad():
            layer(xt)

    def train():
        torch.autograd.grad(layer(xt, training=True).sum(), params)

    return forward, train


def cpu_compare(fns, reps, rounds, min_time=0.05):
    """Like common.compare, with the process CPU clock: best of `reps` samples per round,
    median over rounds, libraries alternating."""
    results = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            fn()
            best = float("inf")
            for _ in range(reps):
                t0, n = time.process_time(), 0
                while True:
                    fn()
                    n += 1
                    if time.process_time() - t0 >= min_time:
                        break
                best = min(best, (time.process_time() - t0) / n)
            results[name].append(best)
    return common.Timings(results)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma-separated workload ids, e.g. R1,R3")
    ap.add_argument("--cells", default="simple_rnn,lstm,gru")
    ap.add_argument("--isa", choices=["scalar", "avx2", "avx512"], default=None)
    ap.add_argument("--threads", type=int, default=None, help="threads for kernn and PyTorch (default: all)")
    ap.add_argument("--cpu-time", action="store_true", help="time with the process CPU clock (use with --threads 1)")
    ap.add_argument("--skip-keras", action="store_true", help="leave Keras out (its RNNs step in Python: slow)")
    args = ap.parse_args()
    if args.isa:
        kernn._core.set_max_isa(args.isa)
    if args.threads:
        kernn.set_num_threads(args.threads)
    torch = common.try_import_torch()
    keras = None if args.skip_keras or torch is None else common.try_import_keras()
    print(common.peers_line(torch, keras))
    rng = np.random.default_rng(0)
    rows, data = [], []
    for wid, (batch, steps, features, units) in WORKLOADS.items():
        if args.only and wid not in args.only.split(","):
            continue
        for cell in args.cells.split(","):
            g = GATES[cell]
            x = rng.standard_normal((batch, steps, features), dtype=np.float32)
            kernel = rng.uniform(-0.1, 0.1, (features, g * units)).astype(np.float32)
            recurrent = rng.uniform(-0.1, 0.1, (units, g * units)).astype(np.float32)
            bias = np.zeros((2, g * units) if cell == "gru" else (g * units,), np.float32)
            lengths = steps - rng.integers(0, steps // 2 + 1, batch)
            mask = np.arange(steps)[None, :] >= (steps - lengths)[:, None]  # pre-padded
            rdm = (rng.random((batch, units)) >= 0.2).astype(np.float32) / 0.8
            kf, kt = kernn_case(cell, x, kernel, recurrent, bias)
            _, kt_drop = kernn_case(cell, x, kernel, recurrent, bias, rdm=rdm)
            _, kt_mask = kernn_case(cell, x, kernel, recurrent, bias, mask=mask)
            # each pair that is compared runs back to back in every round (see common.Timings)
            fns = {"kernn_fwd": kf}
            if torch is not None:
                tf, tt = torch_case(torch, cell, x, units)
                fns["torch_fwd"] = tf
            if keras is not None:
                kf2, kt2 = keras_case(keras, torch, cell, x, units)
                fns["keras_fwd"] = kf2
            fns["kernn_train"] = kt
            if torch is not None:
                fns["torch_train"] = tt
            if keras is not None:
                fns["keras_train"] = kt2
            fns.update(kernn_train_rdrop=kt_drop, kernn_train_plain=kt, kernn_train_mask=kt_mask)
            if args.cpu_time:
                t = cpu_compare(fns, reps=args.reps, rounds=args.rounds)
            else:
                t = common.compare(fns, reps=args.reps, rounds=args.rounds)
            ms = {k: v * 1e3 for k, v in t.items()}
            ratio = lambda a, b: f"{t.ratio(a, b):.2f}" if b in t else "-"  # noqa: E731
            rows.append([wid, cell, f"{ms['kernn_fwd']:.3f}", f"{ms.get('torch_fwd', float('nan')):.3f}",
                         ratio("kernn_fwd", "torch_fwd"), f"{ms['kernn_train']:.3f}",
                         f"{ms.get('torch_train', float('nan')):.3f}", ratio("kernn_train", "torch_train"),
                         ratio("kernn_train_rdrop", "kernn_train_plain"), ratio("kernn_train_mask", "kernn_train_plain")]
                        + ([f"{ms['keras_fwd']:.3f}", ratio("kernn_fwd", "keras_fwd"), f"{ms['keras_train']:.3f}",
                            ratio("kernn_train", "keras_train")] if keras is not None else []))
            data.append({"id": wid, "cell": cell, "ms": ms})
            print(f"  {wid} {cell} done", file=sys.stderr, flush=True)
    header = ["id", "cell", "fwd ms", "torch fwd ms", "fwd ratio", "fwd+bwd ms", "torch fwd+bwd ms", "fwd+bwd ratio",
              "rdrop 0.2 / plain", "pre-pad mask / plain"]
    if keras is not None:
        header += ["keras fwd ms", "fwd ratio keras", "keras fwd+bwd ms", "fwd+bwd ratio keras"]
    common.print_table(header, rows)
    common.save_json("bench_rnn", data)


if __name__ == "__main__":
    main()
