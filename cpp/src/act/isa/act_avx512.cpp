// avx512 element-wise activation, softmax, loss and optimizer kernels. Compiled with the avx512 flags only.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "act/act_internal.h"

namespace kernn::avx512 {

#include "core/isa/simd_avx512.inc"
#include "core/isa/vmath.inc"
#include "act/isa/act_kernels.inc"

const act::ActKernels& act_kernels() {
  static const act::ActKernels k{act_forward, act_backward, act_backward_y, softmax_row, softmax_grad_row,
                                 cce_row,     scce_row,     bce_row,        bce_single,
                                 optim_chunk};
  return k;
}

}  // namespace kernn::avx512
