// scalar depthwise-convolution row kernels. Compiled with the scalar flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>


#include "conv/conv_internal.h"

namespace kernn::scalar {

#include "core/isa/simd_scalar.inc"
#include "core/isa/vmath.inc"
#define KERNN_DW_NAME "depthwise_scalar"
#include "conv/isa/depthwise.inc"
#undef KERNN_DW_NAME

}  // namespace kernn::scalar
