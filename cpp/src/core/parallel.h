#pragma once
// The one shape of a kernel's parallel loop, so that every loop gets the same thread count,
// static schedule and per-worker flush-to-zero guard.
#include <cstdint>

#include "core/ftz.h"
#include "kernn/threading.h"

namespace kernn {

/// Runs body(i) for every i in [0, n): split statically over get_num_threads() OpenMP
/// threads when `worth_it` (the caller's size threshold) and there is more than one thread
/// and item, else in order on the calling thread. Each worker flushes denormals while it
/// runs (the calling thread is the kernel's, under its own FlushDenormals). Every i goes to exactly one thread, so when body(i) writes only what item i owns,
/// results do not depend on the thread count.
template <class Body>
inline void parallel_for(int64_t n, bool worth_it, Body&& body) {
  const int nt = get_num_threads();
  if (!worth_it || nt < 2 || n < 2) {  // no region at all: small calls pay nothing for it
    for (int64_t i = 0; i < n; ++i) body(i);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    FlushDenormalsWorker worker_ftz;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

}  // namespace kernn
