"""The references themselves, checked by central finite differences in float64."""
import numpy as np
import pytest

from reference import activations as ref_act
from reference import gemm as ref_gemm
from reference import losses as ref_loss
from reference import optimizers as ref_opt


def numerical_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = f()
        x[i] = old - eps
        fm = f()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def test_gemm_reference_gradients():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3))
    b = rng.standard_normal((3, 5))
    g = rng.standard_normal((4, 5))
    da, db = ref_gemm.gemm_backward(a, b, g)
    loss = lambda: float(np.sum(g * ref_gemm.gemm(a, b)))  # noqa: E731
    np.testing.assert_allclose(da, numerical_grad(loss, a), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(db, numerical_grad(loss, b), rtol=1e-6, atol=1e-8)


def test_gemm_reference_epilogue_matches_definition():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((3, 2)), rng.standard_normal((2, 4))
    c, bias = rng.standard_normal((3, 4)), rng.standard_normal(4)
    got = ref_gemm.gemm(a, b, alpha=2.0, beta=0.5, c=c, bias=bias, activation_name="tanh")
    want = np.tanh(2.0 * np.einsum("ik,kj->ij", a, b) + 0.5 * c + bias)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _rnn_case(cell, reset_after=True, activation="tanh", recurrent_activation="sigmoid", go_backwards=False,
              seed=0):
    from reference import rnn as ref_rnn

    rng = np.random.default_rng(seed)
    B, S, F, u = 3, 4, 2, 3
    x = rng.standard_normal((B, S, F))
    kernel, recurrent, bias = ref_rnn.random_weights(rng, cell, F, u, reset_after)
    h0, c0 = rng.standard_normal((B, u)) * 0.5, rng.standard_normal((B, u)) * 0.5
    mask = np.array([[1, 1, 1, 1], [0, 1, 0, 1], [0, 0, 0, 0]], bool)  # holes, fully masked row
    idm = rng.choice([0.0, 2.0], (B, F))
    rdm = rng.choice([0.0, 1.25], (B, u))
    w = {k: rng.standard_normal(s) for k, s in
         (("sequence", (B, S, u)), ("last", (B, u)), ("h", (B, u)), ("c", (B, u)))}
    arrays = dict(x=x, kernel=kernel, recurrent_kernel=recurrent, bias=bias, h0=h0, c0=c0)

    def run():
        return ref_rnn.forward(cell, arrays["x"], arrays["kernel"], arrays["recurrent_kernel"], arrays["bias"],
                               arrays["h0"], arrays["c0"] if cell == "lstm" else None, mask, idm, rdm,
                               activation, recurrent_activation, reset_after, go_backwards)

    def loss():
        o = run()
        total = sum(float(np.sum(w[k] * o[k])) for k in ("sequence", "last", "h"))
        return total + (float(np.sum(w["c"] * o["c"])) if cell == "lstm" else 0.0)

    grads = ref_rnn.backward(run()["tape"], w["sequence"], w["last"], w["h"], w["c"] if cell == "lstm" else None)
    names = ["x", "kernel", "recurrent_kernel", "bias", "h0"] + (["c0"] if cell == "lstm" else [])
    for name in names:
        np.testing.assert_allclose(grads[name], numerical_grad(loss, arrays[name]), rtol=1e-5, atol=1e-7,
                                   err_msg=f"{cell} d{name}")


def test_simple_rnn_reference_gradients():
    _rnn_case("simple_rnn")
    _rnn_case("simple_rnn", activation="softsign", go_backwards=True, seed=1)


def test_lstm_reference_gradients():
    _rnn_case("lstm")
    _rnn_case("lstm", activation="elu", recurrent_activation="hard_sigmoid", go_backwards=True, seed=2)


def test_gru_reference_gradients():
    _rnn_case("gru", reset_after=True)
    _rnn_case("gru", reset_after=False, go_backwards=True, seed=3)
    _rnn_case("gru", reset_after=False, activation="selu", recurrent_activation="sigmoid", seed=4)
# ---- activations, softmax, losses, optimizers ------------------------------------------


@pytest.mark.parametrize("name,params", [(n, {}) for n in ref_act.ELEMENTWISE] + [
    ("relu", {"negative_slope": 0.1, "max_value": 1.5, "threshold": 0.3}),
    ("relu", {"negative_slope": 0.2, "threshold": -0.4}),
    ("leaky_relu", {"negative_slope": 0.3}), ("elu", {"alpha": 0.5}), ("celu", {"alpha": 2.0}),
    ("squareplus", {"b": 1.0}), ("soft_shrink", {"threshold": 1.0})], ids=str)
def test_activation_reference_derivatives(name, params):
    rng = np.random.default_rng(2)
    x = rng.uniform(-4, 4, size=40)
    kinks = np.array([-3.0, -1.0, -0.5, 0.0, 0.3, -0.4, 0.5, 1.0, 1.5, 3.0, 6.0])
    x = x[np.min(np.abs(x[:, None] - kinks), axis=1) > 1e-3]
    eps = 1e-6
    fd = (ref_act.forward(x + eps, name, **params) - ref_act.forward(x - eps, name, **params)) / (2 * eps)
    np.testing.assert_allclose(ref_act.derivative(x, name, **params), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_reference_gradients(log):
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    f = ref_act.log_softmax if log else ref_act.softmax
    back = ref_act.log_softmax_backward if log else ref_act.softmax_backward
    got = back(f(x), g)
    np.testing.assert_allclose(got, numerical_grad(lambda: float(np.sum(g * f(x))), x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("from_logits", [False, True], ids=["probs", "logits"])
@pytest.mark.parametrize("kind", ["categorical", "sparse", "binary"])
def test_loss_reference_gradients(kind, from_logits):
    rng = np.random.default_rng(4)
    if from_logits:
        p = rng.standard_normal((4, 5)) * 2
    else:
        p = rng.uniform(0.05, 0.95, (4, 5))
    w = rng.uniform(0.5, 1.5, 4)  # weights per sample: checks each row's gradient
    if kind == "sparse":
        labels = rng.integers(0, 5, 4)
        fn = lambda: float(np.sum(w * ref_loss.sparse_categorical_crossentropy(labels, p, from_logits)[0]))  # noqa
        grad = ref_loss.sparse_categorical_crossentropy(labels, p, from_logits)[1]
    else:
        t = rng.uniform(0, 1, (4, 5))
        f = ref_loss.binary_crossentropy if kind == "binary" else ref_loss.categorical_crossentropy
        fn = lambda: float(np.sum(w * f(t, p, from_logits)[0]))  # noqa: E731
        grad = f(t, p, from_logits)[1]
    np.testing.assert_allclose(grad * w[:, None], numerical_grad(fn, p), rtol=1e-5, atol=1e-7)


def test_loss_reference_clips_like_keras():
    # a zero probability costs -log(1e-7) (after renormalising), not infinity
    loss, _ = ref_loss.categorical_crossentropy([[0.0, 1.0]], [[2.0, 0.0]])
    np.testing.assert_allclose(loss, [-np.log(1e-7)], rtol=1e-12)
    loss, _ = ref_loss.binary_crossentropy([[1.0]], [[0.0]])
    np.testing.assert_allclose(loss, [-np.log(1e-7)], rtol=1e-12)


def test_adam_reference_is_the_paper_rule():
    """Keras's form with alpha = lr sqrt(1 - b2^t) / (1 - b1^t) is Kingma & Ba's update
    with epsilon scaled by sqrt(1 - b2^t)."""
    rng = np.random.default_rng(5)
    p, m, v = [rng.standard_normal(6)], [np.zeros(6)], [np.zeros(6)]
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    pp, mm, vv = p[0].copy(), np.zeros(6), np.zeros(6)
    for t in range(1, 5):
        g = rng.standard_normal(6)
        p, m, v, _ = ref_opt.adam(p, [g], m, v, None, lr, b1, b2, eps, t)
        mm = b1 * mm + (1 - b1) * g
        vv = b2 * vv + (1 - b2) * g * g
        m_hat, v_hat = mm / (1 - b1**t), vv / (1 - b2**t)
        pp = pp - lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2**t))
    np.testing.assert_allclose(p[0], pp, rtol=1e-12)


def test_sgd_reference_nesterov_is_lookahead():
    """Keras's nesterov step equals p + momentum * v_new - lr * g."""
    p, g, v = [np.array([1.0])], [np.array([0.5])], [np.array([0.2])]
    new_p, new_v = ref_opt.sgd(p, g, v, 0.1, 0.9, nesterov=True)
    np.testing.assert_allclose(new_v[0], 0.9 * 0.2 - 0.1 * 0.5)
    np.testing.assert_allclose(new_p[0], 1.0 + 0.9 * new_v[0] - 0.1 * 0.5)


# --- layers (tests/reference/layers.py) ----------------------------------------------------
def _check_layer_grad(fwd, bwd_dx, x, g, rtol=1e-6, atol=1e-8):
    loss = lambda: float(np.sum(g * fwd(x)))  # noqa: E731
    np.testing.assert_allclose(bwd_dx, numerical_grad(loss, x), rtol=rtol, atol=atol)


def test_dense_reference_gradients():
    from reference import layers as ref_layers
    rng = np.random.default_rng(7)
    for act in ("linear", "relu", "sigmoid", "tanh", "softmax", "elu"):
        x = rng.standard_normal((3, 2, 4)) + 0.05  # N-D input, away from relu's kink
        k, b = rng.standard_normal((4, 5)), rng.standard_normal(5)
        g = rng.standard_normal((3, 2, 5))
        dx, dk, db = ref_layers.dense_backward(x, k, b, g, act)
        loss = lambda: float(np.sum(g * ref_layers.dense(x, k, b, act)))  # noqa: E731
        np.testing.assert_allclose(dx, numerical_grad(loss, x), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(dk, numerical_grad(loss, k), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(db, numerical_grad(loss, b), rtol=1e-5, atol=1e-7)


def test_elementwise_layer_references_gradients():
    from reference import layers as ref_layers
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 6)) * 2
    x[np.abs(x) < 0.05] = 0.3  # no kinks within eps
    x[np.abs(x - 0.5) < 0.05] = 0.7
    x[np.abs(x - 1.5) < 0.05] = 1.7
    g = rng.standard_normal((4, 6))
    p = dict(negative_slope=0.1, max_value=1.5, threshold=0.5)
    _check_layer_grad(lambda v: ref_layers.relu_layer(v, **p), ref_layers.relu_layer_backward(x, g, **p), x, g)
    _check_layer_grad(lambda v: ref_layers.leaky_relu(v, 0.3), ref_layers.leaky_relu_backward(x, g, 0.3), x, g)
    _check_layer_grad(lambda v: ref_layers.elu(v, 0.7), ref_layers.elu_backward(x, g, 0.7), x, g)
    for axis in (-1, 0):
        _check_layer_grad(lambda v: ref_layers.softmax(v, axis), ref_layers.softmax_backward(x, g, axis), x, g)


def test_shape_layer_references_gradients():
    from reference import layers as ref_layers
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 3, 4))
    g = rng.standard_normal((2, 4, 3))
    _check_layer_grad(lambda v: ref_layers.permute(v, (2, 1)), ref_layers.permute_backward(g, (2, 1)), x, g)
    x2 = rng.standard_normal((2, 3))
    g2 = rng.standard_normal((2, 5, 3))
    _check_layer_grad(lambda v: ref_layers.repeat_vector(v, 5), ref_layers.repeat_vector_backward(g2), x2, g2)
    g3 = rng.standard_normal((2, 12))
    _check_layer_grad(ref_layers.flatten, ref_layers.flatten_backward(x.shape, g3), x, g3)
    mask = (rng.random((2, 3, 4)) > 0.5).astype(float)
    g4 = rng.standard_normal((2, 3, 4))
    _check_layer_grad(lambda v: ref_layers.dropout(v, mask, 0.4), ref_layers.dropout_backward(g4, mask, 0.4), x, g4)


# ---- convolution, pooling, normalization, resize -------------------------------------------

from reference import conv as ref_conv  # noqa: E402
from reference import norm as ref_norm  # noqa: E402
from reference import pool as ref_pool  # noqa: E402


def _check_grads(loss, analytic, params):
    for got, p in zip(analytic, params):
        np.testing.assert_allclose(got, numerical_grad(loss, p), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("strides,padding,dilation,groups", [
    ((1, 1), "valid", (1, 1), 1), ((2, 1), "same", (1, 1), 2), ((1, 1), "same", (2, 1), 1),
    ((2, 2), "same", (1, 1), 1), ((1, 1), "causal", (1, 2), 1)], ids=["valid", "same_s2_g2", "same_d2", "s2",
                                                                     "causal_d2"])
def test_conv2d_reference_gradients(strides, padding, dilation, groups):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 6, 4))
    k = rng.standard_normal((2, 3, 4 // groups, 4))
    b = rng.standard_normal(4)
    y = ref_conv.conv2d(x, k, b, strides, padding, dilation, groups)
    g = rng.standard_normal(y.shape)
    loss = lambda: float(np.sum(g * ref_conv.conv2d(x, k, b, strides, padding, dilation, groups)))  # noqa: E731
    _check_grads(loss, ref_conv.conv2d_backward(x, k, g, strides, padding, dilation, groups), (x, k, b))


def test_conv2d_reference_matches_direct_sum():
    rng = np.random.default_rng(3)
    x, k = rng.standard_normal((1, 4, 4, 2)), rng.standard_normal((3, 3, 2, 3))
    y = ref_conv.conv2d(x, k, padding="same")
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    assert np.isclose(y[0, 2, 1, 2], np.sum(xp[0, 2:5, 1:4, :] * k[..., 2]))
    assert ref_conv.conv_axis(8, 3, 2, 1, "same") == (4, 0, 1)  # Keras: the extra cell goes after


def test_depthwise_reference_gradients_and_grouped_equivalence():
    rng = np.random.default_rng(4)
    x, k, b = rng.standard_normal((2, 5, 4, 3)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(6)
    args = ((2, 1), "same", (1, 1))
    y = ref_conv.depthwise_conv2d(x, k, b, *args)
    np.testing.assert_allclose(y, ref_conv.conv2d(x, k.reshape(3, 2, 1, 6), b, *args, groups=3), rtol=1e-12)
    g = rng.standard_normal(y.shape)
    loss = lambda: float(np.sum(g * ref_conv.depthwise_conv2d(x, k, b, *args)))  # noqa: E731
    _check_grads(loss, ref_conv.depthwise_conv2d_backward(x, k, g, *args), (x, k, b))


@pytest.mark.parametrize("strides,padding,output_padding,dilation", [
    ((2, 2), "same", None, (1, 1)), ((2, 1), "valid", None, (1, 1)), ((3, 2), "same", (1, 1), (1, 1)),
    ((1, 1), "same", None, (2, 2)), ((2, 2), "valid", (1, 0), (1, 1))],
    ids=["same_s2", "valid", "same_outpad", "dilated", "valid_outpad"])
def test_conv2d_transpose_reference(strides, padding, output_padding, dilation):
    rng = np.random.default_rng(5)
    x, k, b = rng.standard_normal((2, 3, 4, 2)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    args = (strides, padding, output_padding, dilation)
    y = ref_conv.conv2d_transpose(x, k, b, *args)
    g = rng.standard_normal(y.shape)
    loss = lambda: float(np.sum(g * ref_conv.conv2d_transpose(x, k, b, *args)))  # noqa: E731
    _check_grads(loss, ref_conv.conv2d_transpose_backward(x, k, g, *args), (x, k, b))
    if output_padding is None and dilation == (1, 1):  # Keras's documented output sizes
        for axis, (size, kk, s) in enumerate(zip(x.shape[1:3], k.shape[:2], strides)):
            want = size * s if padding == "same" else size * s + max(kk - s, 0)
            assert y.shape[1 + axis] == want


def test_conv2d_transpose_reference_is_conv_adjoint():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((1, 7, 7, 3))       # transposed output / direct input
    k = rng.standard_normal((3, 3, 3, 2))       # (kh, kw, filters, in)
    x = rng.standard_normal((1, 4, 4, 2))       # transposed input / direct output
    y = ref_conv.conv2d_transpose(x, k, None, (2, 2), "same", (0, 0))
    assert y.shape == (1, 7, 7, 3)
    direct = ref_conv.conv2d(z, k, None, (2, 2), "same")
    np.testing.assert_allclose(np.sum(y * z), np.sum(direct * x), rtol=1e-10)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("pool,strides,padding", [((2, 2), (2, 2), "valid"), ((3, 2), (2, 1), "same"),
                                                  ((2, 3), (1, 2), "same")], ids=["p2", "p32_same", "p23_same"])
def test_pool_reference_gradients(mode, pool, strides, padding):
    rng = np.random.default_rng(7)
    x = rng.permutation(2 * 5 * 5 * 3).reshape(2, 5, 5, 3) / 7.0  # distinct values: max is differentiable
    y = ref_pool.pool2d(x, pool, strides, padding, mode)
    g = rng.standard_normal(y.shape)
    loss = lambda: float(np.sum(g * ref_pool.pool2d(x, pool, strides, padding, mode)))  # noqa: E731
    np.testing.assert_allclose(ref_pool.pool2d_backward(x, g, pool, strides, padding, mode),
                               numerical_grad(loss, x, eps=1e-4), rtol=1e-5, atol=1e-7)


def test_average_pool_same_counts_only_cells_inside():
    x = np.arange(9.0).reshape(1, 3, 3, 1)
    y = ref_pool.pool2d(x, (2, 2), (2, 2), "same", "average")
    assert y[0, 1, 1, 0] == 8.0 and y[0, 0, 1, 0] == (2 + 5) / 2


def test_batch_norm_reference_gradients():
    rng = np.random.default_rng(8)
    x, gamma, beta = rng.standard_normal((4, 3, 5)), rng.standard_normal(5), rng.standard_normal(5)
    g = rng.standard_normal(x.shape)
    loss = lambda: float(np.sum(g * ref_norm.batch_norm_train(x, gamma, beta, 1e-3)[0]))  # noqa: E731
    _check_grads(loss, ref_norm.batch_norm_backward(x, g, gamma, 1e-3), (x, gamma, beta))


def test_layer_norm_reference_gradients():
    rng = np.random.default_rng(9)
    x, gamma, beta = rng.standard_normal((4, 6)), rng.standard_normal(6), rng.standard_normal(6)
    g = rng.standard_normal(x.shape)
    loss = lambda: float(np.sum(g * ref_norm.layer_norm(x, gamma, beta, 1e-3)))  # noqa: E731
    _check_grads(loss, ref_norm.layer_norm_backward(x, g, gamma, 1e-3), (x, gamma, beta))


def test_bilinear_reference():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 3, 4, 2))
    y = ref_conv.resize_bilinear(x, 6, 8)
    # half-pixel centres: output (1, 1) sits at source (0.25, 0.25)
    want = 0.75 * 0.75 * x[0, 0, 0] + 0.75 * 0.25 * (x[0, 0, 1] + x[0, 1, 0]) + 0.0625 * x[0, 1, 1]
    np.testing.assert_allclose(y[0, 1, 1], want, rtol=1e-12)
    np.testing.assert_allclose(y[0, 0, 0], x[0, 0, 0], rtol=1e-12)
    g = rng.standard_normal(y.shape)
    loss = lambda: float(np.sum(g * ref_conv.resize_bilinear(x, 6, 8)))  # noqa: E731
    np.testing.assert_allclose(ref_conv.resize_bilinear_backward(g, 3, 4), numerical_grad(loss, x), rtol=1e-6,
                               atol=1e-8)
