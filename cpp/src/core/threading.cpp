// Thread count shared by every kernel call (a process-wide setting, so that a value set
// from one Python thread holds for kernels called from any other).
#include <omp.h>
#include <sched.h>

#include <atomic>
#include <cstdlib>

#include "kernn/error.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && *env) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  int n = omp_get_num_procs();
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int allowed = CPU_COUNT(&set);
    if (allowed > 0 && allowed < n) n = allowed;
  }
  return n > 0 ? n : 1;
}

std::atomic<int> g_threads{0};

}  // namespace

int get_num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = default_threads();
    int expected = 0;
    g_threads.compare_exchange_strong(expected, n);
    n = g_threads.load();
  }
  return n;
}

void set_num_threads(int n) {
  KERNN_CHECK(n >= 1, "set_num_threads: n must be a positive integer. Received: n=", n);
  g_threads.store(n);
}

}  // namespace kernn
