"""Hardening rows (issue #8): denormal inputs, and two Python threads calling kernels at once.

    python bench/bench_hardening.py [--reps 5] [--rounds 3] [--calls 16] [--isa avx2] [--threads N]

(a) Denormals. Each workload runs with ordinary inputs and with inputs scaled into the
denormal range (|x| ~ 1e-39, below float32's smallest normal 1.2e-38), timed alternately in
this one process: an LSTM forward + backward (batch 32, 50 steps, 32 features, 64 units),
a 512x512x512 GEMM, and a 3x3 convolution forward + backward (8 x 32x32x32 -> 64 filters).
kernn flushes denormals to zero inside its kernels, so the ratio denormal / normal should
be ~1 (target <= 1.1x). NumPy's matmul of the same operands is shown next to the GEMM row
as what denormals cost without flushing.

(b) Two Python threads. The same N kernel calls (alternately a 512^3 GEMM and an LSTM
forward + backward) run once from one Python thread, and once split across two Python
threads started together (each releases the GIL inside the kernels). kernn shares its
thread budget between concurrent callers, so the two-thread wall time should not exceed the
one-thread time (target <= 1.1x); oversubscription (each caller starting all cores' worth
of OpenMP threads) would show here as a ratio well above 1. The two ways alternate, and
each figure is a median over repeats.

(c) A busy core. A 3x3 convolution forward + backward (8 x 32x32x64 -> 64 filters) with all
of kernn's threads, and PyTorch's when installed, timed on the idle machine and again while
another process spins on one of the cores (as a browser or a second job would): kernn's
loops hand out their work dynamically, so the busy core should cost it about that core's
share, not the whole second thread's. kernn on one thread, idle, is shown for reference.
"""
import argparse
import os
import subprocess
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402

TINY = np.float32(1e-39)  # a denormal scale


def lstm_case(rng, scale):
    batch, steps, features, units = 32, 50, 32, 64
    x = (rng.standard_normal((batch, steps, features)) * scale).astype(np.float32)
    kernel = rng.uniform(-0.2, 0.2, (features, 4 * units)).astype(np.float32)
    recurrent = rng.uniform(-0.2, 0.2, (units, 4 * units)).astype(np.float32)
    bias = np.zeros(4 * units, np.float32)  # no bias: the gate inputs stay as small as x W
    grad = (np.ones((batch, steps, units)) * scale).astype(np.float32)

    def run():
        _, _, cache = kernn.ops.lstm_forward(x, kernel, recurrent, bias, return_sequences=True, training=True)
        kernn.ops.lstm_backward(cache, grad)

    return {"kernn": run}


def gemm_case(rng, scale, n=512):
    a = (rng.standard_normal((n, n)) * scale).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    return {"kernn": lambda: kernn.ops.matmul(a, b), "numpy": lambda: np.matmul(a, b)}


def conv_case(rng, scale):
    x = (rng.standard_normal((8, 32, 32, 32)) * scale).astype(np.float32)
    k = (rng.standard_normal((3, 3, 32, 64)) * 0.1).astype(np.float32)
    g = (rng.standard_normal((8, 32, 32, 64)) * scale).astype(np.float32)

    def run():
        kernn.ops.conv2d(x, k, padding="same")
        kernn.ops.conv2d_backward(x, k, g, padding="same")

    return {"kernn": run}


def denormal_rows(args):
    rng = np.random.default_rng(0)
    rows, data = [], []
    for name, make in [("LSTM fwd+bwd 32x50x32 -> 64", lstm_case), ("GEMM 512^3", gemm_case),
                       ("Conv2D 3x3 fwd+bwd 8x32x32x32 -> 64", conv_case)]:
        normal, denormal = make(rng, 1.0), make(rng, TINY)
        fns = {}
        for lib in normal:
            fns[f"{lib}_normal"], fns[f"{lib}_denormal"] = normal[lib], denormal[lib]
        t = common.compare(fns, reps=args.reps, rounds=args.rounds)
        ms = {k: v * 1e3 for k, v in t.items()}
        np_ratio = f"{t.ratio('numpy_denormal', 'numpy_normal'):.2f}x" if "numpy_normal" in t else "-"
        rows.append([name, f"{ms['kernn_normal']:.3f}", f"{ms['kernn_denormal']:.3f}",
                     f"{t.ratio('kernn_denormal', 'kernn_normal'):.2f}x", np_ratio])
        data.append({"case": name, "ms": ms})
        print(f"  {name} done", file=sys.stderr, flush=True)
    return rows, data


def concurrent_rows(args):
    rng = np.random.default_rng(1)
    gemm = gemm_case(rng, 1.0)["kernn"]
    lstm = lstm_case(rng, 1.0)["kernn"]
    calls = [gemm if i % 2 == 0 else lstm for i in range(args.calls)]

    def one_thread():
        t0 = time.perf_counter()
        for fn in calls:
            fn()
        return time.perf_counter() - t0

    def two_threads():
        barrier = threading.Barrier(3)
        halves = [calls[0::2], calls[1::2]]  # thread 0: the GEMMs, thread 1: the LSTMs

        def worker(part):
            barrier.wait()
            for fn in part:
                fn()

        threads = [threading.Thread(target=worker, args=(h,)) for h in halves]
        for th in threads:
            th.start()
        barrier.wait()
        t0 = time.perf_counter()
        for th in threads:
            th.join()
        return time.perf_counter() - t0

    one_thread(), two_threads()  # warm-up: thread pools, workspaces
    res = {"one": [], "two": []}
    for _ in range(args.reps * args.rounds):
        common.settle()
        res["one"].append(one_thread())
        common.settle()
        res["two"].append(two_threads())
    one, two = float(np.median(res["one"])), float(np.median(res["two"]))
    row = [f"{args.calls} calls: GEMM 512^3 / LSTM fwd+bwd alternately", f"{one * 1e3:.1f}", f"{two * 1e3:.1f}",
           f"{two / one:.2f}x"]
    return [row], {"calls": args.calls, "one_thread_s": res["one"], "two_threads_s": res["two"]}


def busy_core_rows(args):
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or kernn.get_num_threads() < 2:
        return [], {}
    from bench_conv import kernn_fns, torch_fns

    rng = np.random.default_rng(2)
    x = rng.standard_normal((8, 32, 32, 64), dtype=np.float32)
    k = (rng.standard_normal((3, 3, 64, 64)) * 0.05).astype(np.float32)
    b = np.zeros(64, np.float32)
    g = rng.standard_normal((8, 32, 32, 64), dtype=np.float32)
    fns = {"kernn": kernn_fns(x, k, b, g, 1, "same", 1, 1)[1]}
    torch = common.try_import_torch()
    if torch is not None:
        fns["PyTorch"] = torch_fns(torch, x, k, b, g, 1, "same", 1, 1)[1]
    idle = common.compare(fns, reps=args.reps, rounds=args.rounds)
    with kernn.threads(1):
        one = common.timeit(fns["kernn"], reps=args.reps)
    spin = f"import os\nos.sched_setaffinity(0, {{{cpus[-1]}}})\nwhile True:\n    pass\n"
    proc = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.3)
        busy = common.compare(fns, reps=args.reps, rounds=args.rounds)
    finally:
        proc.kill()
        proc.wait()
    rows = [[f"{lib}, {kernn.get_num_threads()} threads", f"{idle[lib] * 1e3:.2f}", f"{busy[lib] * 1e3:.2f}",
             f"{busy[lib] / idle[lib]:.2f}x"] for lib in fns]
    rows.append(["kernn, 1 thread", f"{one * 1e3:.2f}", "-", "-"])
    return rows, {"idle_s": dict(idle), "busy_s": dict(busy), "kernn_one_thread_s": one}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--calls", type=int, default=16, help="kernel calls in the two-thread row (even)")
    ap.add_argument("--isa", choices=["scalar", "avx2", "avx512"], default=None)
    ap.add_argument("--threads", type=int, default=None, help="kernn's thread budget (default: all)")
    args = ap.parse_args()
    if args.isa:
        kernn._core.set_max_isa(args.isa)
    if args.threads:
        kernn.set_num_threads(args.threads)
    print(common.machine_line())
    rows, data = denormal_rows(args)
    common.print_table(["workload", "normal ms", "denormal ms", "denormal / normal", "NumPy denormal / normal"],
                       rows)
    print()
    crow, cdata = concurrent_rows(args)
    common.print_table(["workload", "1 Python thread ms", "2 Python threads ms", "2 threads / 1 thread"], crow)
    print()
    brow, bdata = busy_core_rows(args)
    if brow:
        print("Conv2D 3x3 fwd+bwd 8x32x32x64 -> 64, another process spinning on one core:")
        common.print_table(["library", "idle ms", "one core busy ms", "busy / idle"], brow)
    common.save_json("bench_hardening", {"denormal": data, "two_threads": cdata, "busy_core": bdata})


if __name__ == "__main__":
    main()
