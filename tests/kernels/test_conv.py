"""kernn.ops convolutions (C++) against the float64 NumPy references, on every ISA."""
import numpy as np
import pytest

import kernn
from reference import conv as ref

# (batch, h, w, in_c, filters, kernel, strides, padding, dilation, groups)
CASES = {
    "b1_1x1_pointwise": (1, 5, 6, 3, 4, (1, 1), (1, 1), "valid", (1, 1), 1),
    "b3_3x3_same": (3, 7, 6, 5, 8, (3, 3), (1, 1), "same", (1, 1), 1),
    "b1_3x3_valid_even": (1, 8, 8, 4, 3, (3, 3), (1, 1), "valid", (1, 1), 1),
    "b3_spatial1_same": (3, 1, 1, 6, 5, (3, 3), (1, 1), "same", (1, 1), 1),
    "b1_5x3_stride2_same": (1, 9, 8, 3, 7, (5, 3), (2, 2), "same", (1, 1), 1),
    "b3_stride2_valid_odd": (3, 7, 9, 2, 4, (3, 3), (2, 3), "valid", (1, 1), 1),
    "b1_dilated2_same": (1, 9, 7, 4, 6, (3, 3), (1, 1), "same", (2, 2), 1),
    "b3_dilated_valid": (3, 8, 8, 3, 2, (2, 3), (1, 1), "valid", (3, 2), 1),
    "b1_groups2": (1, 6, 6, 4, 6, (3, 3), (1, 1), "same", (1, 1), 2),
    "b3_groups3_stride2": (3, 7, 5, 6, 9, (3, 2), (2, 1), "same", (1, 1), 3),
    "b1_depthwise_as_groups": (1, 6, 7, 20, 20, (3, 3), (1, 1), "same", (1, 1), 20),
    "b3_1x1_stride2": (3, 5, 5, 8, 16, (1, 1), (2, 2), "valid", (1, 1), 1),
    "b1_wide_k_many_channels": (1, 4, 12, 40, 33, (1, 5), (1, 1), "same", (1, 1), 1),
    "b3_kernel_larger_than_input": (3, 2, 3, 2, 3, (3, 3), (1, 1), "same", (1, 1), 1),
    "b1_1x1_groups2": (1, 4, 4, 6, 4, (1, 1), (1, 1), "valid", (1, 1), 2),
    # few filters: the segment-dot kernels (vector tails, image edges, threads)
    "b6_3x3_same_f1_c8_threads": (6, 20, 20, 8, 1, (3, 3), (1, 1), "same", (1, 1), 1),
    "b2_3x3_same_f1_c1": (2, 9, 11, 1, 1, (3, 3), (1, 1), "same", (1, 1), 1),
    "b2_5x4_f2_dilated_rows": (2, 10, 9, 5, 2, (5, 4), (1, 1), "same", (2, 1), 1),
    "b3_1x7_f3_c6_stride2": (3, 4, 15, 6, 3, (1, 7), (1, 2), "valid", (1, 1), 1),
    "b2_3x3_f4_c7_stride2_same": (2, 9, 8, 7, 4, (3, 3), (2, 2), "same", (1, 1), 1),
}


def _tol(k):
    return 3e-6 * (k + 10)


def _data(rng, n, h, w, c, f, kernel, groups):
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    k = rng.standard_normal(kernel + (c // groups, f), dtype=np.float32)
    b = rng.standard_normal(f, dtype=np.float32)
    return x, k, b


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_conv2d_forward_backward(isa, rng, case):
    n, h, w, c, f, kernel, strides, padding, dilation, groups = CASES[case]
    x, k, b = _data(rng, n, h, w, c, f, kernel, groups)
    kw = dict(strides=strides, padding=padding, dilation_rate=dilation, groups=groups)
    y = kernn.ops.conv2d(x, k, b, **kw)
    want = ref.conv2d(x, k, b, strides, padding, dilation, groups)
    ksize = kernel[0] * kernel[1] * c // groups
    np.testing.assert_allclose(y, want, rtol=_tol(ksize), atol=_tol(ksize))
    g = rng.standard_normal(y.shape, dtype=np.float32)
    dx, dk, db = kernn.ops.conv2d_backward(x, k, g, **kw)
    rdx, rdk, rdb = ref.conv2d_backward(x, k, g, strides, padding, dilation, groups)
    np.testing.assert_allclose(dx, rdx, rtol=_tol(f * 9), atol=_tol(f * 9))
    red = n * y.shape[1] * y.shape[2]
    np.testing.assert_allclose(dk, rdk, rtol=_tol(red), atol=_tol(red))
    np.testing.assert_allclose(db, rdb, rtol=_tol(red), atol=_tol(red))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("case", ["b3_3x3_same", "b1_1x1_pointwise", "b1_depthwise_as_groups",
                                  "b6_3x3_same_f1_c8_threads", "b2_3x3_f4_c7_stride2_same"])
def test_fused_activation(isa, rng, case, activation):
    n, h, w, c, f, kernel, strides, padding, dilation, groups = CASES[case]
    x, k, b = _data(rng, n, h, w, c, f, kernel, groups)
    y = kernn.ops.conv2d(x, k, b, strides=strides, padding=padding, dilation_rate=dilation, groups=groups,
                         activation=activation)
    z = ref.conv2d(x, k, b, strides, padding, dilation, groups)
    want = {"relu": np.maximum(z, 0), "sigmoid": 1 / (1 + np.exp(-z)), "tanh": np.tanh(z)}[activation]
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-4)


DW_CASES = {
    "b1_3x3_same_c16": (1, 6, 7, 16, 1, (3, 3), (1, 1), "same", (1, 1)),
    "b3_3x3_valid_c5": (3, 5, 5, 5, 1, (3, 3), (1, 1), "valid", (1, 1)),
    "b1_stride2_c37": (1, 9, 8, 37, 1, (3, 3), (2, 2), "same", (1, 1)),
    "b3_dilated_c8": (3, 7, 7, 8, 1, (3, 2), (1, 1), "same", (2, 2)),
    "b1_multiplier3": (1, 5, 6, 4, 3, (3, 3), (1, 1), "same", (1, 1)),
    "b3_multiplier2_stride2": (3, 6, 5, 3, 2, (2, 2), (2, 1), "valid", (1, 1)),
    "b1_spatial1_c70": (1, 1, 1, 70, 1, (3, 3), (1, 1), "same", (1, 1)),
    "b1_5x5_c64": (1, 8, 8, 64, 1, (5, 5), (1, 1), "same", (1, 1)),
    "b1_9x9_many_taps": (1, 10, 9, 5, 2, (9, 9), (1, 1), "same", (1, 1)),
    "b3_3x3_dilated_c24": (3, 9, 13, 24, 1, (3, 3), (1, 1), "same", (2, 2)),
    "b1_3x3_valid_wide_c48": (1, 5, 17, 48, 1, (3, 3), (1, 1), "valid", (1, 1)),
    "b1_3x3_stride2_valid_c32": (1, 9, 12, 32, 1, (3, 3), (2, 2), "valid", (1, 1)),
    "b1_3x3_narrow_c16": (1, 3, 2, 16, 1, (3, 3), (1, 1), "same", (1, 1)),
}


@pytest.mark.parametrize("case", list(DW_CASES), ids=list(DW_CASES))
def test_depthwise_conv2d(isa, rng, case):
    n, h, w, c, m, kernel, strides, padding, dilation = DW_CASES[case]
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    k = rng.standard_normal(kernel + (c, m), dtype=np.float32)
    b = rng.standard_normal(c * m, dtype=np.float32)
    kw = dict(strides=strides, padding=padding, dilation_rate=dilation)
    y = kernn.ops.depthwise_conv2d(x, k, b, **kw)
    np.testing.assert_allclose(y, ref.depthwise_conv2d(x, k, b, strides, padding, dilation), rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    got = kernn.ops.depthwise_conv2d_backward(x, k, g, **kw)
    want = ref.depthwise_conv2d_backward(x, k, g, strides, padding, dilation)
    for a, r in zip(got, want):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4 * np.sqrt(n * h * w))


# (batch, h, w, in_c, filters, kernel, strides, padding, output_padding, dilation)
T_CASES = {
    "b1_same_s2": (1, 4, 5, 3, 2, (3, 3), (2, 2), "same", None, (1, 1)),
    "b3_valid_s2": (3, 3, 3, 4, 5, (3, 3), (2, 2), "valid", None, (1, 1)),
    "b1_valid_s1": (1, 5, 4, 2, 3, (2, 3), (1, 1), "valid", None, (1, 1)),
    "b3_same_outpad": (3, 4, 3, 2, 4, (3, 3), (3, 2), "same", (2, 1), (1, 1)),
    "b1_valid_outpad": (1, 3, 4, 5, 2, (3, 2), (2, 2), "valid", (1, 0), (1, 1)),
    "b1_same_dilated": (1, 5, 5, 3, 3, (3, 3), (1, 1), "same", None, (2, 2)),
    "b3_spatial1_k4_s2": (3, 1, 1, 6, 4, (4, 4), (2, 2), "same", None, (1, 1)),
    "b1_1x1": (1, 4, 4, 3, 5, (1, 1), (1, 1), "valid", None, (1, 1)),
}


@pytest.mark.parametrize("case", list(T_CASES), ids=list(T_CASES))
def test_conv2d_transpose(isa, rng, case):
    n, h, w, c, f, kernel, strides, padding, op, dilation = T_CASES[case]
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    k = rng.standard_normal(kernel + (f, c), dtype=np.float32)
    b = rng.standard_normal(f, dtype=np.float32)
    kw = dict(strides=strides, padding=padding, output_padding=op, dilation_rate=dilation)
    y = kernn.ops.conv2d_transpose(x, k, b, **kw)
    want = ref.conv2d_transpose(x, k, b, strides, padding, op, dilation)
    assert y.shape == want.shape
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    got = kernn.ops.conv2d_transpose_backward(x, k, g, **kw)
    for a, r in zip(got, ref.conv2d_transpose_backward(x, k, g, strides, padding, op, dilation)):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4 * np.sqrt(y.size))


@pytest.mark.parametrize("padding,strides,dilation,groups", [
    ("valid", 1, 1, 1), ("same", 2, 1, 1), ("causal", 1, 2, 1), ("causal", 3, 1, 1), ("same", 1, 1, 2)],
    ids=["valid", "same_s2", "causal_d2", "causal_s3", "same_g2"])
@pytest.mark.parametrize("steps", [1, 7, 10])
def test_conv1d(isa, rng, padding, strides, dilation, groups, steps):
    if padding == "valid" and steps < 3:
        pytest.skip("output would be empty")
    x = rng.standard_normal((3, steps, 4), dtype=np.float32)
    k = rng.standard_normal((3, 4 // groups, 6), dtype=np.float32)
    b = rng.standard_normal(6, dtype=np.float32)
    kw = dict(strides=strides, padding=padding, dilation_rate=dilation, groups=groups)
    y = kernn.ops.conv1d(x, k, b, **kw)
    want = ref.conv2d(x[:, None], k[None], b, (1, strides), padding, (1, dilation), groups)[:, 0]
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-4)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    got = kernn.ops.conv1d_backward(x, k, g, **kw)
    rdx, rdk, rdb = ref.conv2d_backward(x[:, None], k[None], g[:, None], (1, strides), padding, (1, dilation),
                                        groups)
    for a, r in zip(got, (rdx[:, 0], rdk[0], rdb)):
        np.testing.assert_allclose(a, r, rtol=1e-4, atol=1e-4)


def test_conv1d_transpose(isa, rng):
    x = rng.standard_normal((2, 5, 3), dtype=np.float32)
    k = rng.standard_normal((3, 4, 3), dtype=np.float32)
    y = kernn.ops.conv1d_transpose(x, k, strides=2, padding="same")
    want = ref.conv2d_transpose(x[:, None], k[None], None, (1, 2), "same")[:, 0]
    assert y.shape == (2, 10, 4)
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-4)
    dx, dk, db = kernn.ops.conv1d_transpose_backward(x, k, np.ones_like(y), strides=2, padding="same")
    rdx, rdk, _ = ref.conv2d_transpose_backward(x[:, None], k[None], np.ones((2, 1, 10, 4)), (1, 2), "same")
    np.testing.assert_allclose(dx, rdx[:, 0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dk, rdk[0], rtol=1e-4, atol=1e-4)


def test_zero_batch(isa):
    y = kernn.ops.conv2d(np.zeros((0, 5, 5, 3), np.float32), np.ones((3, 3, 3, 4), np.float32), padding="same")
    assert y.shape == (0, 5, 5, 4)
    dx, dk, db = kernn.ops.conv2d_backward(np.zeros((0, 5, 5, 3)), np.ones((3, 3, 3, 4)), np.zeros((0, 5, 5, 4)),
                                           padding="same")
    assert dx.shape == (0, 5, 5, 3) and np.all(dk == 0) and np.all(db == 0)


def test_non_contiguous_input(isa, rng):
    big = rng.standard_normal((2, 10, 12, 8), dtype=np.float32)
    x = big[:, ::2, 1::2, :5]
    k = rng.standard_normal((3, 3, 5, 4), dtype=np.float32)
    np.testing.assert_allclose(kernn.ops.conv2d(x, k, padding="same"), ref.conv2d(x, k, padding="same"),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_results_identical_for_any_thread_count(rng, threads):
    x = rng.standard_normal((5, 9, 9, 6), dtype=np.float32)
    k = rng.standard_normal((3, 3, 6, 8), dtype=np.float32)
    g = rng.standard_normal((5, 9, 9, 8), dtype=np.float32)
    kernn.set_num_threads(1)
    base = (kernn.ops.conv2d(x, k, padding="same"),) + kernn.ops.conv2d_backward(x, k, g, padding="same")
    kernn.set_num_threads(threads)
    again = (kernn.ops.conv2d(x, k, padding="same"),) + kernn.ops.conv2d_backward(x, k, g, padding="same")
    for a, b in zip(base, again):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (8, 20, 17, 16)], ids=["small", "threaded"])
@pytest.mark.parametrize("interp", ["nearest", "bilinear"])
@pytest.mark.parametrize("size", [(2, 2), (3, 1), (1, 1)], ids=str)
def test_upsampling2d(isa, rng, interp, size, shape):
    n, h, w, c = shape
    x = rng.standard_normal(shape, dtype=np.float32)
    y = kernn.ops.upsampling2d(x, size, interp)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    dx = kernn.ops.upsampling2d_backward(g, size, interp)
    if interp == "bilinear":
        want = ref.resize_bilinear(x, h * size[0], w * size[1])
        wdx = ref.resize_bilinear_backward(g, h, w)
    else:
        want = np.repeat(np.repeat(x, size[0], 1), size[1], 2)
        wdx = g.astype(np.float64).reshape(n, h, size[0], w, size[1], c).sum(axis=(2, 4))
    # bilinear: source coordinates are float32, as in Keras, and the reference's float64
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6 if interp == "nearest" else 2e-5)
    np.testing.assert_allclose(dx, wdx, rtol=1e-5, atol=1e-5 if interp == "nearest" else 5e-5)


def test_padding_and_cropping():
    x = np.arange(2 * 3 * 4 * 1, dtype=np.float32).reshape(2, 3, 4, 1)
    p = kernn.ops.zero_padding2d(x, ((1, 2), (0, 1)))
    assert p.shape == (2, 6, 5, 1) and p[0, 0].sum() == 0 and np.array_equal(p[:, 1:4, :4], x)
    assert np.array_equal(kernn.ops.cropping2d(p, ((1, 2), (0, 1))), x)


@pytest.mark.parametrize("call,match", [
    (lambda: kernn.ops.conv2d(np.ones((2, 8, 8, 3)), np.ones((3, 3, 4, 16))),
     r"conv2d: input has 3 channels but kernel expects 4 \(input shape \(2, 8, 8, 3\), kernel shape \(3, 3, 4, 16\)\)"),
    (lambda: kernn.ops.conv2d(np.ones((2, 8, 3)), np.ones((3, 3, 3, 4))), r"x must be 4-D .*x.shape=\(2, 8, 3\)"),
    (lambda: kernn.ops.conv2d(np.ones((1, 8, 8, 4)), np.ones((3, 3, 2, 3)), groups=2),
     r"filters \(3\) must be divisible by groups \(2\)"),
    (lambda: kernn.ops.conv2d(np.ones((1, 8, 8, 4)), np.ones((3, 3, 4, 3)), padding="full"),
     r"padding must be one of 'valid', 'same'. Received: padding='full'"),
    (lambda: kernn.ops.conv2d(np.ones((1, 8, 8, 4)), np.ones((3, 3, 4, 3)), padding="causal"),
     r"Received: padding='causal'"),
    (lambda: kernn.ops.conv2d(np.ones((1, 8, 8, 4)), np.ones((3, 3, 4, 3)), strides=0),
     r"strides must be >= 1. Received: strides=0"),
    (lambda: kernn.ops.conv2d(np.ones((1, 8, 8, 4)), np.ones((3, 3, 4, 3)), bias=np.ones(4)),
     r"bias must have shape \(3,\). Received: bias.shape=\(4,\)"),
    (lambda: kernn.ops.conv2d_transpose(np.ones((1, 4, 4, 2)), np.ones((3, 3, 5, 2)), strides=2,
                                        output_padding=2),
     r"output_padding must be smaller than strides"),
    (lambda: kernn.ops.depthwise_conv2d(np.ones((1, 4, 4, 2)), np.ones((3, 3, 3, 1))),
     r"depthwise_conv2d: input has 2 channels but kernel expects 3"),
    (lambda: kernn.ops.upsampling2d(np.ones((1, 2, 2, 1)), 2, "bicubic"), r"interpolation must be"),
], ids=["channels", "rank", "groups", "padding", "causal_2d", "strides", "bias", "output_padding", "depthwise",
        "interpolation"])
def test_errors_name_arguments_and_shapes(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("threads", [2, 3])
def test_depthwise_and_transpose_identical_for_any_thread_count(rng, threads):
    x = rng.standard_normal((3, 9, 10, 24), dtype=np.float32)
    kd = rng.standard_normal((3, 3, 24, 2), dtype=np.float32)
    kt = rng.standard_normal((3, 3, 5, 24), dtype=np.float32)
    gd = rng.standard_normal((3, 9, 10, 48), dtype=np.float32)
    gt = rng.standard_normal((3, 18, 20, 5), dtype=np.float32)

    def run():
        return ((kernn.ops.depthwise_conv2d(x, kd, padding="same"),)
                + kernn.ops.depthwise_conv2d_backward(x, kd, gd, padding="same")
                + (kernn.ops.conv2d_transpose(x, kt, strides=2, padding="same"),)
                + kernn.ops.conv2d_transpose_backward(x, kt, gt, strides=2, padding="same"))
    kernn.set_num_threads(1)
    base = run()
    kernn.set_num_threads(threads)
    for a, b in zip(base, run()):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("case", ["bfilter_images_grouped", "col2im_strided", "grouped_forward"])
def test_gemm_paths_with_threads_match_reference(rng, case):
    """Shapes whose per-item GEMMs are big enough to be threaded themselves (>= 2 MFLOP)."""
    if case == "bfilter_images_grouped":
        x, k, kw = (rng.standard_normal((32, 8, 8, 16), dtype=np.float32),
                    rng.standard_normal((3, 3, 16, 32), dtype=np.float32), dict(padding="same"))
    elif case == "col2im_strided":
        x, k, kw = (rng.standard_normal((4, 17, 17, 32), dtype=np.float32),
                    rng.standard_normal((3, 3, 32, 64), dtype=np.float32), dict(strides=2))
    else:
        x, k, kw = (rng.standard_normal((4, 16, 16, 64), dtype=np.float32),
                    rng.standard_normal((3, 3, 32, 64), dtype=np.float32), dict(padding="same", groups=2))
    kernn.set_num_threads(2)
    y = kernn.ops.conv2d(x, k, **kw)
    g = rng.standard_normal(y.shape, dtype=np.float32)
    got = kernn.ops.conv2d_backward(x, k, g, **kw)
    groups = kw.get("groups", 1)
    s = (kw.get("strides", 1),) * 2
    pad = kw.get("padding", "valid")
    np.testing.assert_allclose(y, ref.conv2d(x, k, None, s, pad, (1, 1), groups), rtol=1e-3, atol=1e-3)
    for a, r in zip(got, ref.conv2d_backward(x, k, g, s, pad, (1, 1), groups)):
        np.testing.assert_allclose(a, r, rtol=1e-3, atol=2e-3)
