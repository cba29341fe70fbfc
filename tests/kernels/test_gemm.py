"""kernn.ops.matmul (the C++ GEMM) against the float64 NumPy reference, on every ISA."""
import itertools

import numpy as np
import pytest

import kernn
from reference import gemm as ref

SIZES = [0, 1, 2, 3, 7, 16, 17, 31, 64, 65, 127, 129, 256, 1000]


def _sample_shapes():
    """A deterministic sample of (m, n, k) over SIZES: every size appears in each position."""
    shapes = set()
    for i, s in enumerate(SIZES):
        shapes.add((s, SIZES[(i + 3) % len(SIZES)], SIZES[(i + 7) % len(SIZES)]))
        shapes.add((SIZES[(i + 5) % len(SIZES)], s, SIZES[(i + 2) % len(SIZES)]))
        shapes.add((SIZES[(i + 9) % len(SIZES)], SIZES[(i + 4) % len(SIZES)], s))
    shapes |= {(1, 1, 1), (17, 1, 129), (1, 65, 31), (129, 127, 1), (1000, 17, 3)}
    return sorted(shapes)


def _tol(k):
    return 2e-6 * (k + 8)


def _check(got, want, k):
    want = np.asarray(want)
    assert got.shape == want.shape
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=_tol(k), atol=_tol(k))


@pytest.mark.parametrize("m,n,k", _sample_shapes(), ids=lambda v: str(v))
def test_shape_sweep(isa, rng, m, n, k):
    ta, tb = (m + n) % 2 == 1, (n + k) % 3 == 0
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    got = kernn.ops.matmul(a, b, transpose_a=ta, transpose_b=tb)
    _check(got, ref.gemm(a, b, transpose_a=ta, transpose_b=tb), k)


@pytest.mark.parametrize("ta,tb", list(itertools.product([False, True], repeat=2)),
                         ids=["nn", "nt", "tn", "tt"])
@pytest.mark.parametrize("m,n,k", [(65, 129, 31), (7, 1000, 17), (256, 17, 300)], ids=str)
def test_transposes(isa, rng, ta, tb, m, n, k):
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    _check(kernn.ops.matmul(a, b, transpose_a=ta, transpose_b=tb),
           ref.gemm(a, b, transpose_a=ta, transpose_b=tb), k)


@pytest.mark.parametrize("case", ["sliced_rows", "sliced_cols", "transposed_views", "negative_strides",
                                  "fortran_order"])
def test_strided_inputs_without_copy(isa, rng, case):
    big_a = rng.standard_normal((90, 140), dtype=np.float32)
    big_b = rng.standard_normal((140, 80), dtype=np.float32)
    if case == "sliced_rows":
        a, b = big_a[::2, :70], big_b[::2, :33]
    elif case == "sliced_cols":
        a, b = big_a[:31, ::2], big_b[:70, ::2]
    elif case == "transposed_views":
        a, b = big_b[:, :45].T, big_a[:50, :].T  # (45, 140) @ (140, 50)
    elif case == "negative_strides":
        a, b = big_a[::-1, ::-3][:, :40], big_b[:40][::-1]
    else:
        a, b = np.asfortranarray(big_a[:, :60]), np.asfortranarray(big_b[:60])
    got = kernn.ops.matmul(a, b)
    _check(got, ref.gemm(a, b), a.shape[1])


@pytest.mark.parametrize("alpha,beta", [(1.0, 0.0), (0.5, 1.0), (-2.0, 0.25), (0.0, 3.0)])
# 10: the narrow tile of n <= 16; 32 and 16: C one contiguous panel (AVX-512 6x32, AVX2 6x16)
@pytest.mark.parametrize("n", [45, 10, 32, 16], ids=lambda n: f"n{n}")
def test_alpha_beta_and_out_reuse(isa, rng, alpha, beta, n):
    a = rng.standard_normal((33, 70), dtype=np.float32)
    b = rng.standard_normal((70, n), dtype=np.float32)
    c0 = rng.standard_normal((33, n), dtype=np.float32)
    out = c0.copy()
    res = kernn.ops.matmul(a, b, alpha=alpha, beta=beta, out=out)
    assert res is out
    _check(out, ref.gemm(a, b, alpha=alpha, beta=beta, c=c0), 70)
    out2 = np.full((33, n), np.nan, np.float32)
    kernn.ops.matmul(a, b, alpha=alpha, out=out2)  # beta=0: NaN in out is not read
    _check(out2, ref.gemm(a, b, alpha=alpha), 70)


def test_out_strided_view(isa, rng):
    a = rng.standard_normal((20, 30), dtype=np.float32)
    b = rng.standard_normal((30, 25), dtype=np.float32)
    big = np.zeros((40, 60), np.float32)
    view = big[::2, 5:55:2]
    kernn.ops.matmul(a, b, out=view)
    _check(view, ref.gemm(a, b), 30)
    assert np.all(big[1::2] == 0) and np.all(big[:, :5] == 0)


def test_out_aliasing_input_is_safe(isa, rng):
    a = rng.standard_normal((16, 16), dtype=np.float32)
    b = rng.standard_normal((16, 16), dtype=np.float32)
    want = ref.gemm(a, b)
    kernn.ops.matmul(a, b, out=a)
    _check(a, want, 16)


@pytest.mark.parametrize("activation", [None, "linear", "relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("m,n,k", [(1, 1, 1), (37, 53, 29), (6, 96, 700), (130, 70, 5), (50, 10, 300), (29, 16, 9),
                                   (100, 32, 9)], ids=str)
def test_bias_and_activation_epilogue(isa, rng, activation, m, n, k):
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32) / np.sqrt(k)
    bias = rng.standard_normal(n, dtype=np.float32)
    got = kernn.ops.matmul(a, b, bias=bias, activation=activation)
    _check(got, ref.gemm(a, b, bias=bias, activation_name=activation), k)


def test_strided_bias(isa, rng):
    a = rng.standard_normal((9, 4), dtype=np.float32)
    b = rng.standard_normal((4, 20), dtype=np.float32)
    bias = rng.standard_normal(60, dtype=np.float32)[::3]
    _check(kernn.ops.matmul(a, b, bias=bias, activation="relu"),
           ref.gemm(a, b, bias=bias, activation_name="relu"), 4)


@pytest.mark.parametrize("a_shape,b_shape", [((4, 7, 5), (5, 3)), ((7, 5), (2, 5, 3)),
                                             ((2, 1, 7, 5), (3, 5, 6)), ((3, 40, 50), (3, 50, 20)),
                                             ((0, 7, 5), (5, 3))], ids=str)
def test_batched_broadcast_like_numpy(isa, rng, a_shape, b_shape):
    a = rng.standard_normal(a_shape, dtype=np.float32)
    b = rng.standard_normal(b_shape, dtype=np.float32)
    _check(kernn.ops.matmul(a, b), np.matmul(a.astype(np.float64), b.astype(np.float64)), a_shape[-1])


def test_other_real_dtypes_are_converted(rng):
    a = rng.integers(-5, 5, (6, 4))
    b = rng.standard_normal((4, 3))  # float64
    got = kernn.ops.matmul(a, b)
    assert got.dtype == np.float32
    _check(got, ref.gemm(a, b), 4)
    _check(kernn.ops.matmul([[True, False]], [[1.0], [2.0]]), [[1.0]], 2)


@pytest.mark.parametrize("m,n,k", [(0, 5, 3), (4, 0, 3), (0, 0, 0)], ids=str)
def test_zero_size_outputs(m, n, k):
    out = kernn.ops.matmul(np.ones((m, k), np.float32), np.ones((k, n), np.float32))
    assert out.shape == (m, n)


def test_k_zero_gives_beta_scaled_result(isa):
    c = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = c.copy()
    kernn.ops.matmul(np.ones((2, 0), np.float32), np.ones((0, 3), np.float32), beta=2.0, out=out)
    np.testing.assert_array_equal(out, 2 * c)
    out = kernn.ops.matmul(np.ones((2, 0), np.float32), np.ones((0, 3), np.float32), bias=[1, 2, 3])
    np.testing.assert_array_equal(out, [[1, 2, 3], [1, 2, 3]])


# ---- bad input -------------------------------------------------------------------------

def test_wrong_ndim_names_argument_and_shape():
    with pytest.raises(ValueError, match=r"a must have at least 2 dimensions. Received: a.shape=\(3,\)"):
        kernn.ops.matmul(np.ones(3), np.ones((3, 2)))


def test_inner_dimensions_differ_names_both_shapes():
    with pytest.raises(ValueError, match=r"inner dimensions differ.*a.shape=\(4, 3\).*b.shape=\(5, 2\)"):
        kernn.ops.matmul(np.ones((4, 3)), np.ones((5, 2)))


def test_batch_mismatch():
    with pytest.raises(ValueError, match=r"batch dimensions do not broadcast: a.shape=\(2, 4, 3\), b.shape=\(3, 3, 2\)"):
        kernn.ops.matmul(np.ones((2, 4, 3)), np.ones((3, 3, 2)))


def test_out_wrong_shape_and_dtype():
    a, b = np.ones((4, 3)), np.ones((3, 2))
    with pytest.raises(ValueError, match=r"out has shape \(2, 4\) but the result has shape \(4, 2\)"):
        kernn.ops.matmul(a, b, out=np.empty((2, 4), np.float32))
    with pytest.raises(TypeError, match=r"out must have dtype float32. Received: out.dtype=float64"):
        kernn.ops.matmul(a, b, out=np.empty((4, 2)))
    with pytest.raises(TypeError, match=r"out must be a numpy.ndarray"):
        kernn.ops.matmul(a, b, out=[[0, 0]] * 4)


@pytest.mark.parametrize("bad", [np.array([["a", "b"]]), np.array([[1 + 2j, 0]]), np.array([[object()]])],
                         ids=["str", "complex", "object"])
def test_non_numeric_dtype_is_type_error(bad):
    with pytest.raises(TypeError, match=r"a must be an array of real numbers. Received: a.dtype="):
        kernn.ops.matmul(bad, np.ones((bad.shape[1], 2)))


def test_bad_bias_and_activation():
    with pytest.raises(ValueError, match=r"bias has shape \(3,\) but the output has 2 columns"):
        kernn.ops.matmul(np.ones((4, 3)), np.ones((3, 2)), bias=np.ones(3))
    with pytest.raises(ValueError, match=r"activation must be one of .* Received: activation='gelu'"):
        kernn.ops.matmul(np.ones((4, 3)), np.ones((3, 2)), activation="gelu")


# 190: no tail panels; 184 = 7 x 24 + 16 and 512 = 20 x 24 + 2 x 16 end in AVX2's 16-column
# tail panels, and two threads cut 512 as 256 + 256 (each 10 x 24 + 16); 300 rows split by
# rows, 32 and 29 by columns (where each thread reads its small A block in place, 29 rows
# ending in a short row tile); 40 x 200 x 300 runs on AVX-512's few-rows 8x32 config in two
# k blocks; A is a view with 7 columns past k
@pytest.mark.parametrize("m,n,k", [(300, 190, 257), (300, 184, 257), (32, 512, 128), (29, 512, 100), (40, 200, 300)],
                         ids=str)
def test_same_bits_for_one_and_two_threads(isa, rng, m, n, k):
    a = rng.standard_normal((m, k + 7), dtype=np.float32)[:, :k]
    b = rng.standard_normal((k, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32)
    kernn.set_num_threads(1)
    r1 = kernn.ops.matmul(a, b, bias=bias, activation="tanh")
    kernn.set_num_threads(2)
    r2 = kernn.ops.matmul(a, b, bias=bias, activation="tanh")
    assert np.array_equal(r1, r2)
    _check(r1, ref.gemm(a, b, bias=bias, activation_name="tanh"), k)


# A weight gradient's transposed A (X^T dY): two threads splitting the columns read it in
# place (161 rows end in a short row tile; 768 is the most rows read that way), or pack it
# (800 rows; a row stride of 1024 floats, where A is a view)
@pytest.mark.parametrize("m,n,k,lda", [(161, 512, 700, 161), (768, 1024, 96, 768), (800, 1024, 96, 800),
                                       (300, 512, 300, 1024)], ids=str)
def test_transposed_a_same_bits_for_one_and_two_threads(isa, rng, m, n, k, lda):
    a = rng.standard_normal((k, lda), dtype=np.float32)[:, :m]
    b = rng.standard_normal((k, n), dtype=np.float32)
    kernn.set_num_threads(1)
    r1 = kernn.ops.matmul(a, b, transpose_a=True)
    kernn.set_num_threads(2)
    r2 = kernn.ops.matmul(a, b, transpose_a=True)
    assert np.array_equal(r1, r2)
    _check(r2, ref.gemm(a, b, transpose_a=True), k)


# columns past the last whole panel of a wide tile (AVX2 4x24: n % 24 of 8 or 16 run as
# 16-column panels, with whole 24-column panels given back until they divide) with every
# part of the epilogue, and a strided C
@pytest.mark.parametrize("n", [40, 56, 64, 80, 512, 520], ids=lambda n: f"n{n}")
def test_tail_panels(isa, rng, n):
    a = rng.standard_normal((37, 50), dtype=np.float32)
    b = rng.standard_normal((50, n), dtype=np.float32)
    bias = rng.standard_normal(n, dtype=np.float32)
    c0 = rng.standard_normal((37, n), dtype=np.float32)
    out = c0.copy()
    kernn.ops.matmul(a, b, alpha=0.5, beta=-1.5, out=out, bias=bias, activation="sigmoid")
    _check(out, ref.gemm(a, b, alpha=0.5, beta=-1.5, c=c0, bias=bias, activation_name="sigmoid"), 50)
    wide = np.zeros((37, 2 * n), dtype=np.float32)
    kernn.ops.matmul(a, b, out=wide[:, ::2])
    _check(wide[:, ::2], ref.gemm(a, b), 50)
