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
