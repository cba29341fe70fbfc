// avx512 depthwise-convolution row kernels. Compiled with the avx512 flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "conv/conv_internal.h"

namespace kernn::avx512 {

#include "core/isa/simd_avx512.inc"
#include "core/isa/vmath.inc"
#define KERNN_DW_NAME "depthwise_avx512"
#include "conv/isa/depthwise.inc"
#undef KERNN_DW_NAME

}  // namespace kernn::avx512
