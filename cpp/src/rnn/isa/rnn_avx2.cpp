// avx2 fused gate micro-kernels of the recurrent cells. Compiled with the avx2 flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "rnn/rnn_internal.h"

namespace kernn::avx2 {

#include "core/isa/simd_avx2.inc"
#include "core/isa/vmath.inc"
#include "rnn/isa/rnn_ukernel.inc"

}  // namespace kernn::avx2
