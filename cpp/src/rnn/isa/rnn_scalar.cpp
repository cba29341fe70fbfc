// scalar fused gate micro-kernels of the recurrent cells. Compiled with the scalar flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "rnn/rnn_internal.h"

namespace kernn::scalar {

#include "core/isa/simd_scalar.inc"
#include "core/isa/vmath.inc"
#include "rnn/isa/rnn_ukernel.inc"

}  // namespace kernn::scalar
