// scalar GEMM micro-kernel and its block sizes. Compiled with the scalar flags only.
#include <cstdint>
#include <cmath>
#include <cstring>

#include "gemm/gemm_internal.h"

namespace kernn::scalar {

#include "core/isa/simd_scalar.inc"
#include "core/isa/vmath.inc"
#include "gemm/isa/ukernel.inc"

const gemm::GemmConfig& gemm_config() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<4, 4>, sgemm_rows_tpl<4, 4>, 4, 4 * V::W, 64, 256, 1024,
                                       "sgemm_ukernel_4x4", 4, nullptr, true};
  return config;
}

}  // namespace kernn::scalar
