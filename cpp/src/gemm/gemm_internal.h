#pragma once
// Shared between the portable GEMM driver (gemm.cpp, pack.cpp) and the per-ISA
// micro-kernels (isa/gemm_*.cpp). No intrinsics here.
#include <cstdint>

#include "kernn/gemm.h"

namespace kernn::gemm {

/// Epilogue as the micro-kernel sees it: bias already offset to the tile's first column.
struct TileEpilogue {
  const float* bias;  ///< nullptr or bias of column 0 of this tile
  int64_t bias_stride;
  GemmActivation act;
};

/// The micro-kernel contract (BLIS style). Computes the MR x NR tile
///   C[0:m, 0:n] = epi(alpha * A·B + beta * C)            (beta == 0: C not read)
/// where A[i, p] = a[i * a_rs + p * a_cs] (rows i >= m are never read) and B is a panel of
/// NR contiguous columns per row: B[p, j] = b[p * b_rs + j] (b_rs == NR for a packed panel,
/// the row stride of B when read in place; all NR columns must be readable). `epi` is
/// applied only when `epi` is non-null. m <= MR, n <= NR.
using SgemmUkernel = void (*)(int64_t k, const float* a, int64_t a_rs, int64_t a_cs,
                              const float* b, int64_t b_rs, float* c, int64_t c_rs, int64_t c_cs, int64_t m,
                              int64_t n, float alpha, float beta, const TileEpilogue* epi);

/// The driver's ir loop around the micro-kernel: rows [0, m) of C in tiles of MR (any m),
/// tile t's A starting at a + t * a_ts; other arguments as SgemmUkernel. With b_copy non-null
/// (n == NR), the first tile also stores the k x NR panel of B it reads to b_copy (row-major,
/// row stride NR) and the other tiles read that copy. With b_sums non-null (as well, or
/// alone), the first tile also adds each of the n columns of B it reads, summed over its k
/// rows in order, to b_sums[0:n].
using SgemmRows = void (*)(int64_t k, const float* a, int64_t a_ts, int64_t a_rs, int64_t a_cs, const float* b,
                           int64_t b_rs, float* c, int64_t c_rs, int64_t c_cs, int64_t m, int64_t n, float alpha,
                           float beta, const TileEpilogue* epi, float* b_copy, float* b_sums);

/// A micro-kernel and the block sizes that suit it, defined next to it in isa/.
struct GemmConfig {
  SgemmUkernel ukernel;
  SgemmRows rows;  ///< ukernel over the MR-row tiles of a block
  int mr, nr;  ///< register tile
  int mc, kc, nc;  ///< cache blocks: A block mc x kc (L2), B panel kc x nr (L1), B block kc x nc
  const char* name;
  /// rows may be split into ranges at multiples of this without a tile doing work for rows
  /// that are not there: mr, or 2 for 6-row tiles (the micro-kernel runs 4 rows as a 4-row tile)
  int row_step;
  /// when nr does not divide a product's columns: the config for the last ones (narrower
  /// panels, same kc so every C element is summed in the same order), or nullptr
  const GemmConfig* tail = nullptr;
  /// the micro-kernel is far slower on an A read in place than on a packed one (the scalar
  /// 4x4: 3x on a transposed A), so the driver always packs A for it
  bool needs_packed_a = false;
};

/// Pack rows [0, m) x cols [0, k) of a strided A into MR-row panels: panel r holds
/// rows r*MR .. r*MR+MR-1, stored k-major (dst[p * MR + i]), zero-padded to MR rows.
void pack_a(int64_t m, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, int mr, float* dst);

/// Pack rows [0, k) x cols [0, n) of a strided B into NR-column panels, each k x NR
/// row-major (dst[p * NR + j]), zero-padded to NR columns.
void pack_b(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, int nr, float* dst);

/// sgemm (kernn/gemm.h, no epilogue) that also writes b_sums[j] = the sum of op(B)'s column
/// j over its k rows (n floats): a weight gradient's bias gradient, added up from the B rows
/// the product loads anyway (b_sums null: sgemm). The sums take the same order whatever the
/// thread count.
void sgemm_sum_b(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* b_sums);

}  // namespace kernn::gemm

namespace kernn::scalar { const gemm::GemmConfig& gemm_config(); }
namespace kernn::avx2 {
const gemm::GemmConfig& gemm_config();
const gemm::GemmConfig& gemm_config_wide();
}  // namespace kernn::avx2
namespace kernn::avx512 {
const gemm::GemmConfig& gemm_config();
const gemm::GemmConfig& gemm_config_wide();
const gemm::GemmConfig& gemm_config_narrow();
const gemm::GemmConfig& gemm_config_tall();
const gemm::GemmConfig& gemm_config_few_rows();
}  // namespace kernn::avx512
