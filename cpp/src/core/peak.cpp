#include <omp.h>

#include <algorithm>
#include <chrono>

#include "kernn/error.h"
#include "kernn/peak.h"

namespace kernn {
namespace scalar { double fma_chain_flops(long iters, float* sink); }
namespace avx2 { double fma_chain_flops(long iters, float* sink); }
namespace avx512 { double fma_chain_flops(long iters, float* sink); }

double measure_peak_gflops(Isa isa, int threads, double seconds) {
  KERNN_CHECK(threads >= 1, "measure_peak_gflops: threads must be >= 1. Received: threads=", threads);
  KERNN_CHECK(static_cast<int>(isa) <= static_cast<int>(best_isa()), "measure_peak_gflops: this CPU lacks ",
              isa_name(isa));
  auto chain = isa == Isa::avx512 ? avx512::fma_chain_flops : isa == Isa::avx2 ? avx2::fma_chain_flops
                                                                               : scalar::fma_chain_flops;
  float sink[64] = {};
  // calibrate on one thread, then run everywhere at once
  long iters = 1 << 16;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    chain(iters, sink);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > seconds / 4 || iters > (1L << 34)) {
      iters = std::max(1L, long(iters * (seconds / std::max(dt, 1e-9))));
      break;
    }
    iters *= 4;
  }
  double best = 0.0;
  for (int rep = 0; rep < 3; ++rep) {
    double flops = 0.0;
    auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(threads) reduction(+ : flops)
    {
      float local[64] = {};
      flops += chain(iters, local);
      sink[omp_get_thread_num() % 64] += local[0];
    }
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, flops / dt * 1e-9);
  }
  return best;
}

}  // namespace kernn
