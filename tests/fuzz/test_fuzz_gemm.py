"""Property-based GEMM tests: hypothesis draws shapes, strides, transposes and epilogues.

CI runs the "ci" profile (a bounded number of examples); for a long run:
    KERNN_HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz
"""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import kernn
from reference import gemm as ref

dims = st.integers(min_value=0, max_value=70)
steps = st.integers(min_value=1, max_value=3)


@given(m=dims, n=dims, k=dims, ta=st.booleans(), tb=st.booleans(), sa=steps, sb=steps,
       alpha=st.sampled_from([1.0, -0.5, 2.0]), beta=st.sampled_from([0.0, 1.0, 0.25]),
       with_bias=st.booleans(), act=st.sampled_from([None, "relu", "sigmoid", "tanh"]),
       threads=st.sampled_from([1, 2]), seed=st.integers(0, 2**16))
def test_matmul_matches_reference(m, n, k, ta, tb, sa, sb, alpha, beta, with_bias, act, threads, seed):
    rng = np.random.default_rng(seed)
    a_full = rng.standard_normal(((k if ta else m) * sa, (m if ta else k) * sa), dtype=np.float32)
    b_full = rng.standard_normal(((n if tb else k) * sb, (k if tb else n) * sb), dtype=np.float32)
    a, b = a_full[::sa, ::sa], b_full[::sb, ::sb]
    c0 = rng.standard_normal((m, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32) if with_bias else None
    out = c0.copy()
    with kernn.threads(threads):
        kernn.ops.matmul(a, b, transpose_a=ta, transpose_b=tb, alpha=alpha, beta=beta, out=out,
                         bias=bias, activation=act)
    want = ref.gemm(a, b, transpose_a=ta, transpose_b=tb, alpha=alpha, beta=beta, c=c0, bias=bias,
                    activation_name=act)
    tol = 2e-6 * (k + 8)
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol)


@given(bad=st.sampled_from(["ndim", "inner", "out_shape", "out_dtype", "dtype", "bias"]))
def test_bad_input_raises_clean_errors(bad):
    a, b = np.ones((3, 4), np.float32), np.ones((4, 5), np.float32)
    kwargs = {}
    if bad == "ndim":
        a = np.ones(4, np.float32)
    elif bad == "inner":
        b = np.ones((5, 5), np.float32)
    elif bad == "out_shape":
        kwargs["out"] = np.empty((5, 3), np.float32)
    elif bad == "out_dtype":
        kwargs["out"] = np.empty((3, 5), np.float64)
    elif bad == "dtype":
        a = a.astype("U1")
    else:
        kwargs["bias"] = np.ones(4)
    try:
        kernn.ops.matmul(a, b, **kwargs)
    except (ValueError, TypeError) as e:
        assert str(e).startswith("matmul:")
    else:
        raise AssertionError("no error raised")
