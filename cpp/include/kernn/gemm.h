#pragma once
/// Single-precision matrix products (GEMM): packed, cache-blocked, OpenMP-threaded, with
/// per-ISA micro-kernels and a fused bias + activation epilogue. All sizes, strides and
/// indices are 64-bit.
#include <cstdint>

namespace kernn {

/// Whether an operand is used as stored or transposed.
enum class Trans { no = 0, yes = 1 };

/// Activation applied by the GEMM epilogue while the output tile is in registers.
enum class GemmActivation { none = 0, relu = 1, sigmoid = 2, tanh = 3 };

/// What the GEMM does to each output tile after the product:
/// C[i, j] = act(alpha * sum_p A[i, p] B[p, j] + beta * C[i, j] + bias[j * bias_stride]).
struct GemmEpilogue {
  const float* bias = nullptr;  ///< one value per output column (length n), or nullptr
  int64_t bias_stride = 1;      ///< element stride between bias values
  GemmActivation activation = GemmActivation::none;
};

/// Row-major single-precision GEMM, BLAS argument order:
///   C (m x n) = act(alpha * op(A) * op(B) + beta * C + bias)
/// op(A) is m x k (A is stored m x k when trans_a == no, k x m when yes) with row stride
/// lda; op(B) is k x n (stored k x n, or n x k when transposed) with row stride ldb;
/// C has row stride ldc. When beta == 0, C is not read (NaN or garbage in C is ignored).
/// Any of m, n, k may be 0: k == 0 gives C = act(beta * C + bias).
/// Throws kernn::Error when a size is negative, a leading dimension is too small, or a
/// pointer needed for a non-empty operand is null. Results are identical for any thread
/// count. Indices are computed in 64 bits.
void sgemm(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, const GemmEpilogue& epilogue = {});

/// The same product over arbitrary element strides (BLIS style): A[i, p] is
/// a[i * a_rs + p * a_cs], B[p, j] is b[p * b_rs + j * b_cs], C[i, j] is
/// c[i * c_rs + j * c_cs]. Strides may be negative or zero for A and B (not for C).
/// Transposes are expressed by swapping strides. C must not overlap A, B or bias.
/// Throws kernn::Error for a negative size, a null pointer needed for a non-empty operand,
/// or a zero C stride along an axis of more than one element.
void sgemm_strided(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_rs,
                   int64_t a_cs, const float* b, int64_t b_rs, int64_t b_cs, float beta, float* c,
                   int64_t c_rs, int64_t c_cs, const GemmEpilogue& epilogue = {});

/// A batch of products that share sizes: operand t of the batch starts at
/// a + t * a_bs (and likewise b, c); within one product the strides are as in
/// sgemm_strided. Batches are spread over threads when each product is small; otherwise
/// each product uses all threads (the same bits either way). Throws kernn::Error as
/// sgemm_strided, or when batch < 0.
void sgemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t a_bs, int64_t a_rs, int64_t a_cs, const float* b, int64_t b_bs,
                   int64_t b_rs, int64_t b_cs, float beta, float* c, int64_t c_bs, int64_t c_rs,
                   int64_t c_cs, const GemmEpilogue& epilogue = {});

namespace detail {
/// Element offset of (i, j) in a strided matrix, in 64-bit arithmetic. Never throws.
inline int64_t offset2d(int64_t i, int64_t j, int64_t rs, int64_t cs) { return i * rs + j * cs; }
}  // namespace detail

}  // namespace kernn
