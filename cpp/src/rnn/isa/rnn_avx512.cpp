// avx512 fused gate micro-kernels of the recurrent cells. Compiled with the avx512 flags only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>

#include "rnn/rnn_internal.h"

namespace kernn::avx512 {

#include "core/isa/simd_avx512.inc"
#include "core/isa/vmath.inc"
#include "rnn/isa/rnn_ukernel.inc"

}  // namespace kernn::avx512
