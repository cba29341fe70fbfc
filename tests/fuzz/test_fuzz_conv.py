"""Property-based convolution tests: hypothesis draws shapes (1 and odd sizes included),
strides, paddings (valid / same / causal), dilations, groups, depthwise multipliers and
transposed convolutions with output_padding, and compares the forward pass and the three
gradients (input, kernel, bias) of kernn.ops with the float64 references.

Draws follow Keras's validity rules: strides > 1 together with dilation_rate > 1 is
rejected by Keras's conv layers (tests/fuzz/test_bad_input.py checks that), so it is not
drawn here; output_padding is drawn smaller than the stride.

CI runs the "ci" profile; for a long run:
    KERNN_HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import kernn
from reference import conv as ref

small = st.integers(min_value=1, max_value=3)
threads = st.sampled_from([1, 2])
seeds = st.integers(0, 2**16)


def _tol(k):
    return 3e-6 * (k + 10)


def _close(got, want, k, what):
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=_tol(k), atol=_tol(k), err_msg=what)


@st.composite
def strides_dilations(draw, rank):
    """(strides, dilations) per axis, never a stride > 1 with a dilation > 1 (Keras refuses it)."""
    strides = tuple(draw(small) for _ in range(rank))
    if max(strides) > 1:
        return strides, (1,) * rank
    return strides, tuple(draw(small) for _ in range(rank))


@given(n=small, h=st.integers(1, 9), w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4),
       groups=st.sampled_from([1, 1, 2, 3]), cg=small, fg=small, sd=strides_dilations(2),
       padding=st.sampled_from(["valid", "same"]), with_bias=st.booleans(), th=threads, seed=seeds)
def test_conv2d_forward_and_gradients(n, h, w, kh, kw, groups, cg, fg, sd, padding, with_bias, th, seed):
    strides, dilation = sd
    rng = np.random.default_rng(seed)
    c, f = cg * groups, fg * groups
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    k = rng.standard_normal((kh, kw, cg, f), dtype=np.float32)
    b = rng.standard_normal(f, dtype=np.float32) if with_bias else None
    kwargs = dict(strides=strides, padding=padding, dilation_rate=dilation, groups=groups)
    with kernn.threads(th):
        y = kernn.ops.conv2d(x, k, b, **kwargs)
        _close(y, ref.conv2d(x, k, b, strides, padding, dilation, groups), kh * kw * cg, "y")
        g = rng.standard_normal(y.shape, dtype=np.float32)
        dx, dk, db = kernn.ops.conv2d_backward(x, k, g, use_bias=with_bias, **kwargs)
    rdx, rdk, rdb = ref.conv2d_backward(x, k, g, strides, padding, dilation, groups)
    _close(dx, rdx, kh * kw * fg, "dx")
    red = n * y.shape[1] * y.shape[2]
    _close(dk, rdk, red, "dkernel")
    if with_bias:
        _close(db, rdb, red, "dbias")
    else:
        assert db is None


@given(n=small, steps=st.integers(1, 12), k=st.integers(1, 5), groups=st.sampled_from([1, 1, 2]), cg=small,
       fg=small, sd=strides_dilations(1), padding=st.sampled_from(["valid", "same", "causal"]),
       activation=st.sampled_from([None, "relu", "tanh"]), th=threads, seed=seeds)
def test_conv1d_forward_and_gradients(n, steps, k, groups, cg, fg, sd, padding, activation, th, seed):
    (s,), (d,) = sd
    rng = np.random.default_rng(seed)
    c, f = cg * groups, fg * groups
    x = rng.standard_normal((n, steps, c), dtype=np.float32)
    kern = rng.standard_normal((k, cg, f), dtype=np.float32)
    b = rng.standard_normal(f, dtype=np.float32)
    kwargs = dict(strides=s, padding=padding, dilation_rate=d, groups=groups)
    with kernn.threads(th):
        y = kernn.ops.conv1d(x, kern, b, activation=activation, **kwargs)
        z = ref.conv2d(x[:, None], kern[None], b, (1, s), padding, (1, d), groups)[:, 0]
        want = {None: z, "relu": np.maximum(z, 0), "tanh": np.tanh(z)}[activation]
        _close(y, want, k * cg, "y")
        g = rng.standard_normal(y.shape, dtype=np.float32)
        got = kernn.ops.conv1d_backward(x, kern, g, **kwargs)
    rdx, rdk, rdb = ref.conv2d_backward(x[:, None], kern[None], g[:, None], (1, s), padding, (1, d), groups)
    red = n * y.shape[1]
    for a, r, kk, what in zip(got, (rdx[:, 0], rdk[0], rdb), (k * fg, red, red), ("dx", "dkernel", "dbias")):
        _close(a, r, kk, what)


@given(n=small, h=st.integers(1, 8), w=st.integers(1, 8), kh=st.integers(1, 4), kw=st.integers(1, 4),
       c=st.integers(1, 9), m=small, sd=strides_dilations(2), padding=st.sampled_from(["valid", "same"]),
       th=threads, seed=seeds)
def test_depthwise_conv2d_forward_and_gradients(n, h, w, kh, kw, c, m, sd, padding, th, seed):
    strides, dilation = sd
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    k = rng.standard_normal((kh, kw, c, m), dtype=np.float32)
    b = rng.standard_normal(c * m, dtype=np.float32)
    kwargs = dict(strides=strides, padding=padding, dilation_rate=dilation)
    with kernn.threads(th):
        y = kernn.ops.depthwise_conv2d(x, k, b, **kwargs)
        _close(y, ref.depthwise_conv2d(x, k, b, strides, padding, dilation), kh * kw, "y")
        g = rng.standard_normal(y.shape, dtype=np.float32)
        got = kernn.ops.depthwise_conv2d_backward(x, k, g, **kwargs)
    want = ref.depthwise_conv2d_backward(x, k, g, strides, padding, dilation)
    red = n * y.shape[1] * y.shape[2]
    for a, r, kk, what in zip(got, want, (kh * kw * m, red, red), ("dx", "dkernel", "dbias")):
        _close(a, r, kk, what)


@st.composite
def output_paddings(draw, strides):
    if draw(st.booleans()):
        return None
    return tuple(draw(st.integers(0, s - 1)) for s in strides)


@given(n=small, h=st.integers(1, 6), w=st.integers(1, 6), kh=st.integers(1, 4), kw=st.integers(1, 4), c=small,
       f=small, sd=strides_dilations(2), padding=st.sampled_from(["valid", "same"]), data=st.data(),
       with_bias=st.booleans(), th=threads, seed=seeds)
def test_conv2d_transpose_forward_and_gradients(n, h, w, kh, kw, c, f, sd, padding, data, with_bias, th, seed):
    strides, dilation = sd
    op = data.draw(output_paddings(strides), label="output_padding")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w, c), dtype=np.float32)
    k = rng.standard_normal((kh, kw, f, c), dtype=np.float32)
    b = rng.standard_normal(f, dtype=np.float32) if with_bias else None
    kwargs = dict(strides=strides, padding=padding, output_padding=op, dilation_rate=dilation)
    with kernn.threads(th):
        y = kernn.ops.conv2d_transpose(x, k, b, **kwargs)
        _close(y, ref.conv2d_transpose(x, k, b, strides, padding, op, dilation), kh * kw * c, "y")
        g = rng.standard_normal(y.shape, dtype=np.float32)
        dx, dk, db = kernn.ops.conv2d_transpose_backward(x, k, g, use_bias=with_bias, **kwargs)
    rdx, rdk, rdb = ref.conv2d_transpose_backward(x, k, g, strides, padding, op, dilation)
    _close(dx, rdx, kh * kw * f, "dx")
    _close(dk, rdk, n * h * w, "dkernel")
    if with_bias:
        _close(db, rdb, y.size // f, "dbias")
    else:
        assert db is None


@given(n=small, steps=st.integers(1, 9), k=st.integers(1, 5), c=small, f=small, s=small,
       padding=st.sampled_from(["valid", "same"]), data=st.data(), th=threads, seed=seeds)
def test_conv1d_transpose_forward_and_gradients(n, steps, k, c, f, s, padding, data, th, seed):
    op = data.draw(st.one_of(st.none(), st.integers(0, s - 1)), label="output_padding")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, steps, c), dtype=np.float32)
    kern = rng.standard_normal((k, f, c), dtype=np.float32)
    b = rng.standard_normal(f, dtype=np.float32)
    kwargs = dict(strides=s, padding=padding, output_padding=op)
    op2 = None if op is None else (0, op)
    with kernn.threads(th):
        y = kernn.ops.conv1d_transpose(x, kern, b, **kwargs)
        _close(y, ref.conv2d_transpose(x[:, None], kern[None], b, (1, s), padding, op2)[:, 0], k * c, "y")
        g = rng.standard_normal(y.shape, dtype=np.float32)
        got = kernn.ops.conv1d_transpose_backward(x, kern, g, **kwargs)
    rdx, rdk, rdb = ref.conv2d_transpose_backward(x[:, None], kern[None], g[:, None], (1, s), padding, op2)
    red = n * steps
    for a, r, kk, what in zip(got, (rdx[:, 0], rdk[0], rdb), (k * f, red, y.size // f), ("dx", "dkernel", "dbias")):
        _close(a, r, kk, what)
