"""`python -m kernn`: what kernn sees on this machine, and a quick GEMM self-check."""
import sys
import time

import numpy as np

import kernn


def _median_time(fn, reps=7):
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def info():
    ci = kernn.cpu_info()
    flags = ", ".join(k for k, v in ci["features"].items() if v) or "none"
    print(f"kernn {kernn.__version__}")
    print(f"CPU:      {ci['brand'] or ci['vendor']}")
    print(f"features: {flags}")
    print(f"ISA:      {ci['isa']} (best available: {ci['best_isa']})")
    print(f"threads:  {ci['num_threads']}")


def gemm_selfcheck(n=512):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ours = kernn.ops.matmul(a, b)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    err = float(np.max(np.abs(ours - ref)) / np.max(np.abs(ref)))
    ok = err < 1e-5
    out = np.empty((n, n), np.float32)
    t_k = _median_time(lambda: kernn.ops.matmul(a, b, out=out))
    t_np = _median_time(lambda: np.matmul(a, b, out=out))
    gf = 2.0 * n**3 / 1e9
    print(f"GEMM {n}x{n}x{n}: max relative error {err:.1e} vs float64 NumPy -> {'ok' if ok else 'FAILED'}")
    print(f"  kernn {gf / t_k:7.1f} GFLOP/s   NumPy {gf / t_np:7.1f} GFLOP/s   "
          f"ratio {t_np / t_k:.2f}x (>1 means kernn is faster)")
    return ok


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[0] if argv else "check"
    if cmd == "info":
        info()
        return 0
    if cmd == "check":
        info()
        return 0 if gemm_selfcheck() else 1
    print(f"usage: python -m kernn [info|check]  (unknown command {cmd!r})", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
