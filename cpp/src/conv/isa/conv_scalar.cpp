// scalar convolution micro-kernels (indirect GEMM, depthwise rows). Compiled with the scalar flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>


#include "conv/conv_internal.h"

namespace kernn::scalar {

#include "core/isa/simd_scalar.inc"
#include "core/isa/vmath.inc"
#define KERNN_DW_NAME "conv_scalar"
#define KERNN_IGEMM_MR 4
#define KERNN_IGEMM_NV 4
#include "conv/isa/igemm.inc"
#include "conv/isa/depthwise.inc"
#undef KERNN_DW_NAME
#undef KERNN_IGEMM_MR
#undef KERNN_IGEMM_NV

}  // namespace kernn::scalar
