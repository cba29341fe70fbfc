"""Every kernel family gives the same bits with 1, 2 and 3 threads, on every ISA path.

Each case is sized past its kernel's parallel threshold (so the threaded partitioning really
runs) and returns every array the kernel writes; they must be bit-identical to the
one-thread run. The whole-fit counterpart is tests/models/test_thread_determinism.py.
"""
import numpy as np
import pytest

import kernn
from kernn import ops


def _r(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


# ---- GEMM ---------------------------------------------------------------------------------

def gemm(rng):
    a, b = _r(rng, 301, 257), _r(rng, 257, 190)
    c = _r(rng, 301, 190)
    at, bt = _r(rng, 257, 301), _r(rng, 190, 257)
    return (ops.matmul(a, b, bias=_r(rng, 190), activation="tanh"),
            ops.matmul(at, bt, transpose_a=True, transpose_b=True, alpha=0.5, beta=0.25, out=c.copy()),
            ops.matmul(_r(rng, 6, 40, 50), _r(rng, 6, 50, 61)))  # a batch of small products


# ---- convolution ----------------------------------------------------------------------------

def _conv_case(rng, x_shape, k_shape, **kw):
    x, k = _r(rng, *x_shape), _r(rng, *k_shape, scale=0.2)
    y = ops.conv2d(x, k, _r(rng, k_shape[-1]), activation="relu", **kw)
    return (y,) + tuple(ops.conv2d_backward(x, k, _r(rng, *y.shape), **kw))


def conv2d_igemm(rng):  # groups == 1, stride 1: indirect GEMM forward, flipped-kernel backward-data
    return _conv_case(rng, (8, 16, 16, 16), (3, 3, 16, 32), padding="same")


def conv2d_strided(rng):  # backward-data by col2im per image
    return _conv_case(rng, (6, 17, 17, 24), (3, 3, 24, 32), strides=2)


def conv2d_dilated_few_channels(rng):
    return _conv_case(rng, (8, 20, 20, 3), (3, 3, 3, 16), dilation_rate=2, padding="same")


def conv2d_grouped(rng):  # im2col + GEMM per group, partial kernel gradients reduced in order
    return _conv_case(rng, (6, 16, 16, 32), (3, 3, 16, 32), padding="same", groups=2)


def conv2d_pointwise(rng):  # one GEMM
    return _conv_case(rng, (8, 16, 16, 32), (1, 1, 32, 48))


def depthwise(rng):
    x, k = _r(rng, 8, 16, 16, 24), _r(rng, 3, 3, 24, 2)
    y = ops.depthwise_conv2d(x, k, padding="same")
    ys = ops.depthwise_conv2d(x, k, strides=2)
    return ((y, ys) + tuple(ops.depthwise_conv2d_backward(x, k, _r(rng, *y.shape), padding="same"))
            + tuple(ops.depthwise_conv2d_backward(x, k, _r(rng, *ys.shape), strides=2)))


def conv_transpose(rng):
    x, k = _r(rng, 6, 12, 12, 24), _r(rng, 3, 3, 16, 24, scale=0.2)
    y = ops.conv2d_transpose(x, k, strides=2, padding="same")
    return (y,) + tuple(ops.conv2d_transpose_backward(x, k, _r(rng, *y.shape), strides=2, padding="same"))


def conv1d(rng):
    x, k = _r(rng, 16, 64, 24), _r(rng, 5, 24, 32, scale=0.2)
    y = ops.conv1d(x, k, padding="causal", dilation_rate=2)
    return (y,) + tuple(ops.conv1d_backward(x, k, _r(rng, *y.shape), padding="causal", dilation_rate=2))


def resize_bilinear(rng):
    x = _r(rng, 8, 16, 16, 16)
    y = ops.upsampling2d(x, 2, "bilinear")
    return y, ops.upsampling2d_backward(_r(rng, *y.shape), 2, "bilinear")


# ---- pooling ----------------------------------------------------------------------------------

def pooling(rng):
    x = _r(rng, 8, 32, 32, 16)
    out = []
    for mode in ("max", "average"):
        for kw in ({"pool_size": 2}, {"pool_size": 3, "strides": 1, "padding": "same"}):  # overlapping windows
            y = ops.pool2d(x, mode=mode, **kw)
            out += [y, ops.pool2d_backward(x, _r(rng, *y.shape), mode=mode, **kw)]
    g = ops.global_pool(x, "average")
    out += [g, ops.global_pool_backward(x, _r(rng, *g.shape), "average")]
    return tuple(out)


# ---- normalization -------------------------------------------------------------------------

def batch_norm(rng):
    x = _r(rng, 8192, 24) * 3 + 1
    gamma, beta = _r(rng, 24), _r(rng, 24)
    y, mean, var = ops.batch_norm_train(x, gamma, beta)
    return (y, mean, var) + tuple(ops.batch_norm_backward(x, _r(rng, *x.shape), mean, var, gamma)) + (
        ops.batch_norm_inference(x, mean, var, gamma, beta),)


def layer_norm(rng):
    x = _r(rng, 4096, 48) * 2 - 1
    gamma, beta = _r(rng, 48), _r(rng, 48)
    y, mean, rstd = ops.layer_norm(x, gamma, beta)
    return (y, mean, rstd) + tuple(ops.layer_norm_backward(x, _r(rng, *x.shape), mean, rstd, gamma))


# ---- recurrent ------------------------------------------------------------------------------

def _rnn(rng, cell, **kw):
    batch, steps, feat, units = 33, 12, 16, 48
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[cell]
    x = _r(rng, batch, steps, feat)
    k, r = _r(rng, feat, gates * units, scale=0.3), _r(rng, units, gates * units, scale=0.2)
    b = _r(rng, 2, 3 * units) if cell == "gru" else _r(rng, gates * units)
    mask = rng.uniform(size=(batch, steps)) > 0.2
    drop = (rng.uniform(size=(batch, feat)) > 0.3).astype(np.float32) / 0.7
    rdrop = (rng.uniform(size=(batch, units)) > 0.3).astype(np.float32) / 0.7
    out, states, cache = getattr(ops, f"{cell}_forward")(
        x, k, r, b, mask=mask, dropout_mask=drop, recurrent_dropout_mask=rdrop, return_sequences=True,
        training=True, **kw)
    g = getattr(ops, f"{cell}_backward")(cache, _r(rng, *out.shape), [_r(rng, batch, units) for _ in states])
    return (out, *states, g["x"], g["kernel"], g["recurrent_kernel"], g["bias"], *g["initial_state"])


def simple_rnn(rng):
    return _rnn(rng, "simple_rnn")


def lstm(rng):
    return _rnn(rng, "lstm")


def gru(rng):
    return _rnn(rng, "gru")


def lstm_large_wgrad(rng):  # weight gradients big enough for threaded GEMMs and bias sums
    batch, steps, feat, units = 64, 20, 32, 64
    x = _r(rng, batch, steps, feat)
    k, r, b = _r(rng, feat, 4 * units, scale=0.2), _r(rng, units, 4 * units, scale=0.2), _r(rng, 4 * units)
    out, (h, c), cache = ops.lstm_forward(x, k, r, b, return_sequences=True, training=True, go_backwards=True)
    g = ops.lstm_backward(cache, _r(rng, *out.shape))
    return out, h, c, g["x"], g["kernel"], g["recurrent_kernel"], g["bias"]


def embedding(rng):
    idx = rng.integers(0, 50, size=(4096,))
    table = _r(rng, 50, 32)
    grad = ops.embedding_grad(idx, _r(rng, 4096, 32), np.zeros((50, 32), np.float32))
    return ops.embedding_lookup(idx, table), grad


# ---- activations, reductions, losses --------------------------------------------------------

def activations(rng):
    x = _r(rng, 600, 513)
    g = _r(rng, 600, 513)
    return (ops.activation(x, "gelu"), ops.activation_grad(x, None, g, "silu"),
            ops.softmax(x), ops.log_softmax(x), ops.softmax_grad(ops.softmax(x), g),
            ops.bias_grad(g))


def losses(rng):
    p = _r(rng, 4000, 37)
    t = rng.uniform(0, 1, p.shape).astype(np.float32)
    labels = rng.integers(0, 37, size=4000)
    probs = ops.softmax(p)
    return (ops.categorical_crossentropy(t, p, from_logits=True)
            + ops.categorical_crossentropy(t, probs)
            + ops.sparse_categorical_crossentropy(labels, p, from_logits=True)
            + ops.binary_crossentropy(t, p, from_logits=True)
            + ops.binary_crossentropy(t, ops.activation(p, "sigmoid")))


# ---- optimizer updates --------------------------------------------------------------------

_OPT_SHAPES = [(300, 257), (257,), (7, 7, 3, 64), (1,)]


def optimizers(rng):
    p0 = [_r(rng, *s) for s in _OPT_SHAPES]
    g = [_r(rng, *s) for s in _OPT_SHAPES]

    def z():
        return [np.zeros(s, np.float32) for s in _OPT_SHAPES]

    def ab():
        return [np.abs(_r(rng, *s)) for s in _OPT_SHAPES]

    out = []
    p, v = [a.copy() for a in p0], z()
    ops.sgd_update(p, g, v, learning_rate=0.01, momentum=0.9, nesterov=True)
    out += p + v
    p, m, vv, vh = [a.copy() for a in p0], z(), z(), z()
    ops.adam_update(p, g, m, vv, vh, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=3,
                    amsgrad=True)
    out += p + m + vv + vh
    p, v, mo, av = [a.copy() for a in p0], ab(), z(), z()
    ops.rmsprop_update(p, g, v, mo, av, learning_rate=0.01, rho=0.9, momentum=0.5, epsilon=1e-7, centered=True)
    out += p + v + mo + av
    p, acc = [a.copy() for a in p0], ab()
    ops.adagrad_update(p, g, acc, learning_rate=0.01, epsilon=1e-7)
    out += p + acc
    p, m, u = [a.copy() for a in p0], z(), z()
    ops.adamax_update(p, g, m, u, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=2)
    out += p + m + u
    p, m, vv = [a.copy() for a in p0], z(), z()
    ops.nadam_update(p, g, m, vv, learning_rate=0.01, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=2, u_t=0.9,
                     u_t1=0.91, u_product_t=0.81, u_product_t1=0.7371)
    out += p + m + vv
    return tuple(out)


CASES = [gemm, conv2d_igemm, conv2d_strided, conv2d_dilated_few_channels, conv2d_grouped, conv2d_pointwise,
         depthwise, conv_transpose, conv1d, resize_bilinear, pooling, batch_norm, layer_norm, simple_rnn, lstm, gru,
         lstm_large_wgrad, embedding, activations, losses, optimizers]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_same_bits_for_one_two_and_three_threads(isa, case):
    runs = {}
    for n in (1, 2, 3):
        with kernn.threads(n):
            runs[n] = case(np.random.default_rng(99))
    for n in (2, 3):
        assert len(runs[n]) == len(runs[1])
        for i, (a, b) in enumerate(zip(runs[1], runs[n])):
            assert a is not None
            assert a.dtype == np.float32 and a.shape == b.shape, (i, a.shape, b.shape)
            assert np.isfinite(a).all(), f"output {i} is not finite"
            if not np.array_equal(a, b):
                diff = np.flatnonzero(a.ravel() != b.ravel())
                pytest.fail(f"{case.__name__}: output {i} differs between 1 and {n} threads at {diff.size} of "
                            f"{a.size} positions (first flat index {diff[0]})")
