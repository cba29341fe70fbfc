// avx2 GEMM micro-kernel and its block sizes. Compiled with the avx2 flags only.
#include <cstdint>
#include <immintrin.h>

#include "gemm/gemm_internal.h"

namespace kernn::avx2 {

#include "core/isa/simd_avx2.inc"
#include "core/isa/vmath.inc"
#include "gemm/isa/ukernel.inc"

// For outputs wider than 32 columns: 4 rows x 3 vectors, 12 accumulators as 6x16, but a
// tile's B row is 96 bytes instead of 64, and 32-row products (G4, an LSTM step of 32) run
// in 8 whole tiles instead of 5 and a 2-row one. Zen 4, C++ bench_gemm, two threads: G4
// 1.21x faster, G1 4%, G5 and G6 2-5%; G2 and G2 with B transposed up to 3% slower.
// Columns past the last whole 24 run as 16-column panels of 6x16 when they divide into
// them (512 = 20 x 24 + 2 x 16) instead of a padded, separately packed 24-column panel.
const gemm::GemmConfig& gemm_config_wide() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<4, 3>, sgemm_rows_tpl<4, 3>, 4, 3 * V::W, 96, 256, 4080,
                                       "sgemm_ukernel_4x24", 4, &gemm_config()};
  return config;
}

const gemm::GemmConfig& gemm_config() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<6, 2>, sgemm_rows_tpl<6, 2>, 6, 2 * V::W, 72, 256, 4080,
                                       "sgemm_ukernel_6x16", 2};
  return config;
}

}  // namespace kernn::avx2
