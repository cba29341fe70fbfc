"""Shared benchmark helpers: a median-of-N timer with warm-up, peers run alternately.

The machine is shared and noisy, so every figure is a median of several timed runs, and
every comparison is a ratio of figures measured in the same process, alternating between
libraries. Between libraries the timer sleeps briefly so that the other library's
spinning worker threads go idle first (OpenBLAS, OpenMP and PyTorch all spin-wait).
"""
import json
import os
import platform
import time

import numpy as np

import kernn


def settle(seconds=0.15):
    time.sleep(seconds)


def timeit(fn, reps=7, min_time=0.02, warmup=1):
    """Median seconds per call of fn() over `reps` samples, each at least `min_time` long."""
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(min_time / one))
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
    return float(np.median(samples))


class Timings(dict):
    """{name: median seconds over rounds}, keeping each round's figure for paired ratios."""

    def __init__(self, per_round):
        super().__init__({name: float(np.median(v)) for name, v in per_round.items()})
        self.per_round = per_round

    def ratio(self, a, b):
        """a's time over b's, as the median over rounds of the ratio within each round.

        The two were timed back to back in every round, so a slowdown of the shared machine
        that lasts longer than a round (seconds, often) moves both and cancels, where a ratio
        of the two overall medians would keep it.
        """
        pairs = np.asarray(self.per_round[a]) / np.asarray(self.per_round[b])
        return float(np.median(pairs))


def compare(fns, reps=7, rounds=3):
    """Time several named callables alternately; returns Timings {name: median seconds}.

    Each round times every callable once (reps samples, median); the figure per name is the
    median over rounds, and Timings.ratio pairs the callables round by round.
    """
    results = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            settle()
            results[name].append(timeit(fn, reps=reps))
    return Timings(results)


def alternate_runs(runs, rounds):
    """Runs each named callable, which returns (seconds, loss), once per round, the libraries
    taking turns; returns (Timings, {name: the last loss})."""
    per_round, loss = {name: [] for name in runs}, {}
    for _ in range(rounds):
        for name, run in runs.items():
            settle()
            sec, loss[name] = run()
            per_round[name].append(sec)
    return Timings(per_round), loss


def peak_gflops(probes=3):
    """This machine's measured FMA peak with kernn's ISA and thread count: the best of a few
    short probes, since a probe that another process interrupts reads low."""
    return max(kernn._core.measure_peak_gflops(kernn.isa(), kernn.get_num_threads(), 0.2) for _ in range(probes))


def machine_line():
    info = kernn.cpu_info()
    return (f"{info['brand'] or info['vendor']} | isa {info['isa']} | {info['num_threads']} threads | "
            f"Python {platform.python_version()} | NumPy {np.__version__}")


def peers_line(torch, keras):
    """machine_line() and the peers this run compares with (None: not installed or not run)."""
    return (machine_line() + (f" | PyTorch {torch.__version__}" if torch else " | PyTorch not installed")
            + (f" | Keras {keras.__version__} ({keras.backend.backend()})" if keras else " | Keras not run"))


EPOCH_HEADER = ["id", "kernn s/epoch", "kernn loss", "PyTorch s/epoch", "PyTorch loss", "kernn / PyTorch time",
                "Keras s/epoch", "Keras loss", "kernn / Keras time"]


def epoch_row(wid, rounds, kernn_run, torch_run=None, keras_run=None):
    """A row of EPOCH_HEADER. Each run returns (seconds per epoch, final loss); the libraries take
    turns `rounds` times, and a peer's ratio is kernn's time over the peer's, paired by round
    ("-" for a peer that was not run)."""
    runs = {name: run for name, run in (("kernn", kernn_run), ("torch", torch_run), ("keras", keras_run)) if run}
    t, loss = alternate_runs(runs, rounds)
    row = [wid, f"{t['kernn']:.2f}", f"{loss['kernn']:.4f}"]
    for lib in ("torch", "keras"):
        row += [f"{t[lib]:.2f}", f"{loss[lib]:.4f}", f"{t.ratio('kernn', lib):.2f}x"] if lib in t else ["-"] * 3
    return row


def try_import_torch():
    try:
        import torch

        torch.set_num_threads(kernn.get_num_threads())
        return torch
    except Exception:  # noqa: BLE001 - optional peer
        return None


def try_import_keras():
    """Keras 3 on the torch backend (unless KERAS_BACKEND says otherwise), or None."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    try:
        import keras

        return keras
    except Exception:  # noqa: BLE001 - optional peer
        return None


def print_table(header, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    line = " | ".join(str(h).ljust(w) for h, w in zip(header, widths))
    print("| " + line + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")


def save_json(name, data):
    out = os.environ.get("KERNN_BENCH_OUT")
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(data, f, indent=2)
