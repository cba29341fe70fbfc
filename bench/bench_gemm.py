"""GEMM workloads G1-G8 (shared/bench/WORKLOADS.md): kernn vs NumPy (OpenBLAS) and PyTorch.

    python bench/bench_gemm.py [--reps 7] [--isa avx2]

Prints median ms, GFLOP/s, % of the measured FMA peak, and the ratio of each peer's time
to kernn's (> 1 means kernn is faster), all measured alternately in this one process.
On a CPU with AVX-512 (and no --isa), kernn's AVX2 path is timed too, alternating with the
AVX-512 path in the same rounds: the "AVX2 / AVX-512" column is the paired time ratio.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402

WORKLOADS = [
    ("G1", 256, 256, 256, False, False),
    ("G2", 1024, 1024, 1024, False, False),
    ("G2 Aᵀ", 1024, 1024, 1024, True, False),
    ("G2 Bᵀ", 1024, 1024, 1024, False, True),
    ("G3", 2048, 2048, 2048, False, False),
    ("G4", 32, 512, 128, False, False),
    ("G5", 1600, 512, 64, False, False),
    ("G6", 128, 512, 784, False, False),
    ("G7", 784, 512, 128, True, False),
    ("G8", 25088, 32, 9, False, False),
]


def on_isa(isa, fn):
    """fn, run with kernn's kernels capped at `isa` (switched only when another call moved it)."""
    def run():
        if kernn.isa() != isa:
            kernn._core.set_max_isa(isa)
        return fn()
    return run


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--isa", choices=["scalar", "avx2", "avx512"], default=None)
    ap.add_argument("--only", default=None, help="comma-separated workload ids, e.g. G2,G4")
    args = ap.parse_args()
    if args.isa:
        kernn._core.set_max_isa(args.isa)
    torch = common.try_import_torch()
    peak = common.peak_gflops()
    print(common.machine_line())
    print(f"measured FMA peak: {peak:.1f} GFLOP/s ({kernn.isa()}, {kernn.get_num_threads()} threads)")
    best = kernn.isa()
    pair_avx2 = args.isa is None and best == "avx512"
    rng = np.random.default_rng(0)
    rows, data = [], []
    for wid, m, n, k, ta, tb in WORKLOADS:
        if args.only and wid.split()[0] not in args.only.split(","):
            continue
        a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
        out = np.empty((m, n), np.float32)
        av = a.T if ta else a
        bv = b.T if tb else b
        fns = {"kernn": lambda: kernn.ops.matmul(a, b, transpose_a=ta, transpose_b=tb, out=out)}
        if pair_avx2:  # right after the AVX-512 path in every round: the pair is timed back to back
            fns["kernn"] = on_isa(best, fns["kernn"])
            fns["kernn_avx2"] = on_isa("avx2", lambda: kernn.ops.matmul(a, b, transpose_a=ta, transpose_b=tb, out=out))
        fns["numpy"] = lambda: np.matmul(av, bv, out=out)
        if torch is not None:
            ta_, tb_ = torch.from_numpy(a), torch.from_numpy(b)
            ta_ = ta_.T if ta else ta_
            tb_ = tb_.T if tb else tb_
            to = torch.from_numpy(out)
            fns["torch"] = lambda: torch.matmul(ta_, tb_, out=to)
        t = common.compare(fns, reps=args.reps, rounds=args.rounds)
        gf = 2.0 * m * n * k / 1e9
        row = [wid, f"{m}x{n}x{k}", f"{t['kernn'] * 1e3:.3f}", f"{gf / t['kernn']:.1f}",
               f"{100 * gf / t['kernn'] / peak:.0f}%", f"{gf / t['numpy']:.1f}", f"{t.ratio('numpy', 'kernn'):.2f}x"]
        if torch is not None:
            row += [f"{gf / t['torch']:.1f}", f"{t.ratio('torch', 'kernn'):.2f}x"]
        if pair_avx2:
            row += [f"{t.ratio('kernn_avx2', 'kernn'):.2f}x"]
        rows.append(row)
        data.append({"id": wid, "m": m, "n": n, "k": k, **{f"{p}_s": v for p, v in t.items()}})
    header = ["id", "MxNxK", "kernn ms", "kernn GFLOP/s", "% peak", "NumPy GFLOP/s", "vs NumPy"]
    if torch is not None:
        header += ["PyTorch GFLOP/s", "vs PyTorch"]
    if pair_avx2:
        header += ["AVX2 / AVX-512"]
    common.print_table(header, rows)
    common.save_json("gemm", {"machine": common.machine_line(), "peak_gflops": peak, "rows": data})


if __name__ == "__main__":
    main()
