"""`python -m kernn`: what kernn sees on this machine, a quick GEMM self-check, and a demo.

    python -m kernn            # same as `check`: CPU, ISA, threads and a GEMM self-check
    python -m kernn info       # CPU, ISA, threads
    python -m kernn demo       # train a digits CNN, confusion matrix, kernels vs NumPy
    python -m kernn demo --short
"""
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


def _best_time(fn, reps):
    """Best of `reps` back-to-back calls after a warm-up (the least disturbed run on a busy machine)."""
    fn()
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _numpy_conv2d(x, kernel):
    """3x3 'same' convolution in plain NumPy (im2col + one matmul), the baseline of the demo."""
    n, h, w, c = x.shape
    kh, kw, _, f = kernel.shape
    xp = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    cols = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(1, 2))  # n, h, w, c, kh, kw
    cols = cols.transpose(0, 1, 2, 4, 5, 3).reshape(n * h * w, kh * kw * c)
    return (cols @ kernel.reshape(kh * kw * c, f)).reshape(n, h, w, f)


def kernel_speed_line(short=False):
    """One line: kernn's GEMM, conv2d and sigmoid against NumPy doing the same work (NumPy's
    conv as im2col + matmul, its sigmoid as `1 / (1 + np.exp(-x))`, as NumPy code writes them)."""
    rng = np.random.default_rng(0)
    n = 256 if short else 512
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    x = rng.standard_normal((16 if short else 32, 16, 16, 32), dtype=np.float32)
    k = rng.standard_normal((3, 3, 32, 32), dtype=np.float32)
    v = rng.standard_normal(1 << (18 if short else 20), dtype=np.float32)
    reps = 3 if short else 7
    pairs = [
        (f"GEMM {n}^3", lambda: kernn.ops.matmul(a, b), lambda: a @ b),
        (f"conv2d 3x3 {x.shape[0]}x16x16x32", lambda: kernn.ops.conv2d(x, k, padding="same"),
         lambda: _numpy_conv2d(x, k)),
        (f"sigmoid {v.size >> 10}K", lambda: kernn.ops.activation(v, "sigmoid"), lambda: 1.0 / (1.0 + np.exp(-v))),
    ]
    parts = []
    for name, ours, theirs in pairs:
        t_k, t_np = _best_time(ours, reps), _best_time(theirs, reps)
        parts.append(f"{name} {t_np / t_k:.1f}x")
    return "kernn vs NumPy (>1x: kernn faster): " + " | ".join(parts)


def demo(short=False):
    """Train a small CNN on scikit-learn's 8x8 digits with the Keras progress bar and report."""
    from kernn import layers

    info()
    try:
        (x_train, y_train), (x_test, y_test) = kernn.datasets.digits.load_data()
    except ImportError as e:
        print(f"demo needs scikit-learn for its offline digits: {e}", file=sys.stderr)
        return 1
    x_train = x_train[..., None].astype(np.float32) / 16.0
    x_test = x_test[..., None].astype(np.float32) / 16.0
    if short:
        x_train, y_train = x_train[:256], y_train[:256]
    kernn.utils.set_random_seed(0)
    model = kernn.Sequential([
        kernn.Input(shape=(8, 8, 1)),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(64, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    print()
    model.summary()
    epochs = 1 if short else 8
    t0 = time.perf_counter()
    model.fit(x_train, y_train, batch_size=32, epochs=epochs, validation_split=0.1, verbose=1)
    seconds = time.perf_counter() - t0
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    pred = np.argmax(model.predict(x_test, verbose=0), axis=1)
    print(f"\ntrained {epochs} epoch(s) on {len(x_train)} digits in {seconds:.1f} s; "
          f"test accuracy: {acc:.4f} ({len(x_test)} images)")
    confusion = np.zeros((10, 10), np.int64)
    np.add.at(confusion, (y_test.astype(np.int64), pred), 1)
    print("\nconfusion matrix (rows: true digit, columns: predicted)")
    print("      " + " ".join(f"{j:>3}" for j in range(10)))
    for i in range(10):
        print(f"  {i:>2}  " + " ".join(f"{v:>3}" if v else "  ." for v in confusion[i]))
    print()
    print(kernel_speed_line(short))
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    cmd = argv[0] if argv else "check"
    if cmd == "info":
        info()
        return 0
    if cmd == "demo":
        extra = [a for a in argv[1:] if a != "--short"]
        if extra:
            print(f"usage: python -m kernn demo [--short]  (unknown arguments {extra})", file=sys.stderr)
            return 2
        return demo(short="--short" in argv[1:])
    if cmd == "check":
        info()
        return 0 if gemm_selfcheck() else 1
    print(f"usage: python -m kernn [check|info|demo [--short]]  (unknown command {cmd!r})", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
