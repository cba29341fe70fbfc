"""Convolution workloads C1-C7 (shared/bench/WORKLOADS.md): kernn vs PyTorch (channels_last)
and Keras 3's Conv2D/DepthwiseConv2D on its torch backend, each peer when installed.

    python bench/bench_conv.py [--reps 7] [--isa avx2] [--only C2,C3] [--skip-keras]

Forward alone and forward + backward (input, kernel and bias gradients). Prints median ms,
forward GFLOP/s and % of the measured FMA peak, and each peer's time over kernn's (> 1 means
kernn is faster), measured alternately in this one process.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

import kernn  # noqa: E402

# id, batch, h, w, cin, filters, k, stride, padding, dilation, groups
WORKLOADS = [
    ("C1", 32, 28, 28, 1, 32, 3, 1, "same", 1, 1),
    ("C2", 32, 28, 28, 32, 64, 3, 1, "same", 1, 1),
    ("C3", 32, 32, 32, 64, 64, 3, 1, "same", 1, 1),
    ("C4", 8, 56, 56, 64, 64, 3, 1, "same", 1, 1),
    ("C5", 32, 32, 32, 64, 128, 3, 2, "valid", 1, 1),
    ("C6", 32, 32, 32, 64, 64, 3, 1, "same", 2, 1),
    ("C7", 32, 32, 32, 64, 64, 3, 1, "same", 1, 64),
]


def kernn_fns(x, k, b, g, stride, padding, dilation, groups):
    kw = dict(strides=stride, padding=padding, dilation_rate=dilation)
    if groups == x.shape[3] and groups > 1:  # depthwise: Keras kernel (kh, kw, in, multiplier)
        kd = np.ascontiguousarray(k.reshape(k.shape[0], k.shape[1], x.shape[3], -1))
        fwd = lambda: kernn.ops.depthwise_conv2d(x, kd, b, **kw)  # noqa: E731

        def step():
            kernn.ops.depthwise_conv2d(x, kd, b, **kw)
            kernn.ops.depthwise_conv2d_backward(x, kd, g, **kw)
        return fwd, step
    fwd = lambda: kernn.ops.conv2d(x, k, b, groups=groups, **kw)  # noqa: E731

    def step():
        kernn.ops.conv2d(x, k, b, groups=groups, **kw)
        kernn.ops.conv2d_backward(x, k, g, groups=groups, **kw)
    return fwd, step


def torch_fns(torch, x, k, b, g, stride, padding, dilation, groups):
    F = torch.nn.functional
    tx = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
    # Keras (kh, kw, in/groups, out) -> PyTorch (out, in/groups, kh, kw)
    tw = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1))).contiguous(memory_format=torch.channels_last)
    tb = torch.from_numpy(b)
    tg = torch.from_numpy(g).permute(0, 3, 1, 2).contiguous(memory_format=torch.channels_last)
    pad = padding if padding == "valid" else "same"

    def fwd():
        with torch.no_grad():
            F.conv2d(tx, tw, tb, stride, pad, dilation, groups)

    xr, wr, br = tx.clone().requires_grad_(), tw.clone().requires_grad_(), tb.clone().requires_grad_()

    def step():
        xr.grad = wr.grad = br.grad = None
        F.conv2d(xr, wr, br, stride, pad, dilation, groups).backward(tg)
    return fwd, step


def keras_fns(keras, torch, x, k, b, g, stride, padding, dilation, groups):
    """Keras's own layer with the same weights, NHWC in and out."""
    if groups == x.shape[3] and groups > 1:
        layer = keras.layers.DepthwiseConv2D(k.shape[0], strides=stride, padding=padding, dilation_rate=dilation)
        weights = [k.reshape(k.shape[0], k.shape[1], x.shape[3], -1), b]
    else:
        layer = keras.layers.Conv2D(k.shape[3], k.shape[0], strides=stride, padding=padding, dilation_rate=dilation,
                                    groups=groups)
        weights = [k, b]
    layer.build(x.shape)
    layer.set_weights(weights)
    tx, tg = torch.from_numpy(x), torch.from_numpy(g)
    xr = tx.clone().requires_grad_()
    params = [xr] + [v.value for v in layer.trainable_variables]

    def fwd():
        with torch.no_grad():
            layer(tx)

    def step():
        torch.autograd.grad(layer(xr), params, grad_outputs=tg)
    return fwd, step


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--isa", choices=["scalar", "avx2", "avx512"], default=None)
    ap.add_argument("--only", default=None, help="comma-separated workload ids, e.g. C2,C3")
    ap.add_argument("--skip-keras", action="store_true")
    args = ap.parse_args()
    if args.isa:
        kernn._core.set_max_isa(args.isa)
    torch = common.try_import_torch()
    keras = None if args.skip_keras or torch is None else common.try_import_keras()
    peak = common.peak_gflops()
    print(common.peers_line(torch, keras))
    print(f"measured FMA peak: {peak:.1f} GFLOP/s ({kernn.isa()}, {kernn.get_num_threads()} threads)")
    rng = np.random.default_rng(0)
    rows, data = [], []
    for wid, n, h, w, cin, f, ks, s, padding, d, groups in WORKLOADS:
        if args.only and wid not in args.only.split(","):
            continue
        x = rng.standard_normal((n, h, w, cin), dtype=np.float32)
        k = (rng.standard_normal((ks, ks, cin // groups, f), dtype=np.float32) / np.sqrt(ks * ks * cin / groups)).astype(np.float32)
        b = rng.standard_normal(f, dtype=np.float32)
        y = kernn.ops.conv2d(x, k, b, strides=s, padding=padding, dilation_rate=d, groups=groups)
        g = rng.standard_normal(y.shape, dtype=np.float32)
        flops = 2.0 * y.size * ks * ks * cin / groups / 1e9
        kf, ks_ = kernn_fns(x, k, b, g, s, padding, d, groups)
        fwd_fns, step_fns = {"kernn": kf}, {"kernn": ks_}
        if torch is not None:
            tf, ts = torch_fns(torch, x, k, b, g, s, padding, d, groups)
            fwd_fns["torch"], step_fns["torch"] = tf, ts
        if keras is not None:
            fwd_fns["keras"], step_fns["keras"] = keras_fns(keras, torch, x, k, b, g, s, padding, d, groups)
        tf_ = common.compare(fwd_fns, reps=args.reps, rounds=args.rounds)
        tb_ = common.compare(step_fns, reps=args.reps, rounds=args.rounds)
        row = [wid, f"{tf_['kernn'] * 1e3:.2f}", f"{flops / tf_['kernn']:.1f}", f"{100 * flops / tf_['kernn'] / peak:.0f}%",
               f"{tb_['kernn'] * 1e3:.2f}"]
        if torch is not None:
            row += [f"{flops / tf_['torch']:.1f}", f"{tf_.ratio('torch', 'kernn'):.2f}x",
                    f"{tb_.ratio('torch', 'kernn'):.2f}x"]
        if keras is not None:
            row += [f"{tf_.ratio('keras', 'kernn'):.2f}x", f"{tb_.ratio('keras', 'kernn'):.2f}x"]
        rows.append(row)
        data.append({"id": wid, "gflop_forward": flops, **{f"{p}_forward_s": v for p, v in tf_.items()},
                     **{f"{p}_step_s": v for p, v in tb_.items()}})
    header = ["id", "fwd ms", "fwd GFLOP/s", "% peak", "fwd+bwd ms"]
    if torch is not None:
        header += ["PyTorch fwd GFLOP/s", "fwd vs PyTorch", "fwd+bwd vs PyTorch"]
    if keras is not None:
        header += ["fwd vs Keras", "fwd+bwd vs Keras"]
    common.print_table(header, rows)
    common.save_json("conv", {"machine": common.machine_line(), "peak_gflops": peak, "rows": data})


if __name__ == "__main__":
    main()
