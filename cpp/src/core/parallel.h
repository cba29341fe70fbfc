#pragma once
// The one shape of a kernel's parallel loop, so that every loop gets the same thread count,
// schedule and per-worker flush-to-zero guard.
//
// Loops hand out their items dynamically, a chunk at a time: on a machine where another
// process holds one of the cores, a static split makes every call wait for the thread that
// shares its core (next to one busy process, a 2-thread Conv2D forward + backward took
// 86-95 ms with a static split, 50-54 ms with a dynamic one, 37 ms idle either way). Which
// thread runs an item never changes how the item is computed, so results stay the same
// whatever the schedule.
#include <algorithm>
#include <cstdint>

#include "core/ftz.h"
#include "kernn/threading.h"

namespace kernn {

/// Items per hand-out of a dynamic schedule over n items and nt threads: about 8 chunks per
/// thread, so a slowed thread leaves at most one small chunk for the others to wait on.
inline int64_t dynamic_chunk(int64_t n, int nt) { return std::max<int64_t>(1, n / (8 * int64_t(std::max(nt, 1)))); }

/// Runs body(i) for every i in [0, n): handed out in chunks (dynamic_chunk) to
/// get_num_threads() OpenMP threads when `worth_it` (the caller's size threshold) and there
/// is more than one thread and item, else in order on the calling thread. Each worker
/// flushes denormals while it runs (the calling thread is the kernel's, under its own
/// FlushDenormals). Every i goes to exactly one thread, so when body(i) writes only what
/// item i owns, results depend neither on the thread count nor on the schedule.
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
#pragma omp for schedule(dynamic, dynamic_chunk(n, nt))
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

}  // namespace kernn
