"""Element-wise kernels: kernn vs NumPy (and PyTorch when installed) on 1M floats.

    python bench/bench_elementwise.py [--reps 7] [--rounds 3] [--isa avx2] [--n 1000000]

Activations forward and backward, softmax over rows of 1000, fused sparse categorical
cross-entropy with its gradient, and one Adam step over 1M parameters held in 20 arrays
(one kernn call for all of them). Prints median ms and the ratio of each peer's time to
kernn's (> 1 means kernn is faster), measured alternately in one process.
"""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402


def numpy_sigmoid(x, out):
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    return out


def numpy_gelu(x):
    from math import erf

    return 0.5 * x * (1.0 + np.vectorize(erf, otypes=[np.float32])(x / math.sqrt(2.0)))


def numpy_adam(ps, gs, ms, vs, step, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    alpha = lr * math.sqrt(1 - b2**step) / (1 - b1**step)
    for p, g, m, v in zip(ps, gs, ms, vs):
        m += (g - m) * (1 - b1)
        v += (g * g - v) * (1 - b2)
        p -= (m * alpha) / (np.sqrt(v) + eps)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--isa", choices=["scalar", "avx2", "avx512"], default=None)
    args = ap.parse_args()
    if args.isa:
        kernn._core.set_max_isa(args.isa)
    torch = common.try_import_torch()
    print(common.machine_line())
    n = args.n
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(np.float32)
    g = rng.standard_normal(n).astype(np.float32)
    out = np.empty_like(x)
    logits = rng.standard_normal((n // 1000, 1000)).astype(np.float32)
    labels = rng.integers(0, 1000, n // 1000)
    tx = torch.from_numpy(x) if torch else None
    tl = torch.from_numpy(logits) if torch else None

    def np_xent():
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = np.log(s[:, 0]) - z[np.arange(len(labels)), labels]
        grad = e / s
        grad[np.arange(len(labels)), labels] -= 1
        return loss, grad

    sizes = [50_000] * 20
    ps = [rng.standard_normal(s).astype(np.float32) for s in sizes]
    gs = [rng.standard_normal(s).astype(np.float32) for s in sizes]
    ms = [np.zeros(s, np.float32) for s in sizes]
    vs = [np.zeros(s, np.float32) for s in sizes]

    workloads = [
        ("relu", {"kernn": lambda: kernn.ops.activation(x, "relu", out=out),
                  "numpy": lambda: np.maximum(x, 0, out=out)},
         (lambda: torch.relu(tx)) if torch else None),
        ("sigmoid", {"kernn": lambda: kernn.ops.activation(x, "sigmoid", out=out),
                     "numpy": lambda: numpy_sigmoid(x, out)},
         (lambda: torch.sigmoid(tx)) if torch else None),
        ("tanh", {"kernn": lambda: kernn.ops.activation(x, "tanh", out=out),
                  "numpy": lambda: np.tanh(x, out=out)},
         (lambda: torch.tanh(tx)) if torch else None),
        ("gelu (erf)", {"kernn": lambda: kernn.ops.activation(x, "gelu", out=out),
                        "numpy": lambda: numpy_gelu(x)},
         (lambda: torch.nn.functional.gelu(tx)) if torch else None),
        ("sigmoid grad", {"kernn": lambda: kernn.ops.activation_grad(x, None, g, "sigmoid"),
                          "numpy": lambda: g * numpy_sigmoid(x, out) * (1 - out)}, None),
        ("softmax 1000x1000", {"kernn": lambda: kernn.ops.softmax(logits),
                               "numpy": lambda: np.exp(logits - logits.max(1, keepdims=True))
                               / np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True)},
         (lambda: torch.softmax(tl, dim=1)) if torch else None),
        ("sparse xent+grad", {"kernn": lambda: kernn.ops.sparse_categorical_crossentropy(
            labels, logits, from_logits=True), "numpy": np_xent}, None),
        ("adam 1M params", {"kernn": lambda: kernn.ops.adam_update(
            ps, gs, ms, vs, None, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=10,
            amsgrad=False), "numpy": lambda: numpy_adam(ps, gs, ms, vs, 10)}, None),
    ]
    rows, data = [], []
    for name, fns, tfn in workloads:
        if name.startswith("gelu"):  # NumPy has no vectorised erf: time it on a slice, scale up
            xs = x[: n // 20]
            fns["numpy"] = lambda xs=xs: [numpy_gelu(xs) for _ in range(20)]
        if tfn is not None:
            fns["torch"] = tfn
        t = common.compare(fns, reps=args.reps, rounds=args.rounds)
        row = [name, f"{t['kernn'] * 1e3:.3f}", f"{t['numpy'] * 1e3:.3f}", f"{t.ratio('numpy', 'kernn'):.2f}x"]
        if torch is not None:
            row += [f"{t['torch'] * 1e3:.3f}" if "torch" in t else "-",
                    f"{t.ratio('torch', 'kernn'):.2f}x" if "torch" in t else "-"]
        rows.append(row)
        data.append({"workload": name, **{f"{p}_s": v for p, v in t.items()}})
    header = ["workload (1M floats)", "kernn ms", "NumPy ms", "vs NumPy"]
    if torch is not None:
        header += ["PyTorch ms", "vs PyTorch"]
    common.print_table(header, rows)
    common.save_json("elementwise", {"machine": common.machine_line(), "n": n, "rows": data})


if __name__ == "__main__":
    main()
