// avx512 convolution micro-kernels (indirect GEMM, depthwise rows). Compiled with the avx512 flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "conv/conv_internal.h"

namespace kernn::avx512 {

#include "core/isa/simd_avx512.inc"
#include "core/isa/vmath.inc"
#define KERNN_DW_NAME "conv_avx512"
#define KERNN_IGEMM_MR 8
#define KERNN_IGEMM_NV 2
#include "conv/isa/igemm.inc"
#include "conv/isa/depthwise.inc"
#undef KERNN_DW_NAME
#undef KERNN_IGEMM_MR
#undef KERNN_IGEMM_NV

}  // namespace kernn::avx512
