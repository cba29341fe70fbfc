// FMA throughput probe for scalar: 12 independent accumulator chains, no memory traffic.
#include <cmath>
#include <cstring>
#include <cstdint>

namespace kernn::scalar {

#include "core/isa/simd_scalar.inc"

double fma_chain_flops(long iters, float* sink) {
  V::T acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = V::set1(float(i) * 1e-3f);
  const V::T x = V::set1(0.999999f), y = V::set1(1e-7f);
  for (long t = 0; t < iters; ++t) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = V::fmadd(acc[i], x, y);
  }
  V::T s = acc[0];
  for (int i = 1; i < 12; ++i) s = V::add(s, acc[i]);
  float out[V::W];
  V::store(out, s);
  sink[0] += out[0];
  return double(iters) * 12 * V::W * 2;
}

}  // namespace kernn::scalar
