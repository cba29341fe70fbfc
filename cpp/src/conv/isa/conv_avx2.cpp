// avx2 convolution micro-kernels (indirect GEMM, depthwise rows). Compiled with the avx2 flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "conv/conv_internal.h"

namespace kernn::avx2 {

#include "core/isa/simd_avx2.inc"
#include "core/isa/vmath.inc"
#define KERNN_DW_NAME "conv_avx2"
#define KERNN_IGEMM_MR 6
#define KERNN_IGEMM_NV 2
#include "conv/isa/igemm.inc"
#include "conv/isa/depthwise.inc"
#undef KERNN_DW_NAME
#undef KERNN_IGEMM_MR
#undef KERNN_IGEMM_NV

}  // namespace kernn::avx2
