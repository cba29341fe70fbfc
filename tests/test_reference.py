"""The references themselves, checked by central finite differences in float64."""
import numpy as np

from reference import gemm as ref_gemm


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
