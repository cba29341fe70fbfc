// scalar GEMM micro-kernel and its block sizes. Compiled with the scalar flags only.
#include <cstdint>
#include <cmath>
#include <cstring>

#include "gemm/gemm_internal.h"

namespace kernn::scalar {

#include "core/isa/simd_scalar.inc"
#include "core/isa/vmath.inc"
#include "gemm/isa/ukernel.inc"

static void sgemm_ukernel_4x4(int64_t k, const float* a, int64_t a_rs, int64_t a_cs, const float* b,
                              int64_t b_rs, float* c, int64_t c_rs, int64_t c_cs, int64_t m, int64_t n,
                              float alpha, float beta, const gemm::TileEpilogue* epi) {
  sgemm_ukernel_tpl<4, 4>(k, a, a_rs, a_cs, b, b_rs, c, c_rs, c_cs, m, n, alpha, beta, epi);
}

const gemm::GemmConfig& gemm_config() {
  static const gemm::GemmConfig config{sgemm_ukernel_4x4, sgemm_rows_tpl<4, 4>, 4, 4 * V::W, 64, 256, 1024,
                                       "sgemm_ukernel_4x4", 4};
  return config;
}

}  // namespace kernn::scalar
