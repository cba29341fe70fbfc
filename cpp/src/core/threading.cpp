// Thread count shared by every kernel call (a process-wide setting, so that a value set
// from one Python thread holds for kernels called from any other).
#include <omp.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "kernn/error.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

// CPUs granted by a cgroup CPU quota (v2 cpu.max, else v1 cfs quota/period), 0 if none.
int cgroup_cpu_limit() {
  {
    std::ifstream f("/sys/fs/cgroup/cpu.max");
    std::string quota;
    long period = 0;
    if (f >> quota >> period && quota != "max" && period > 0) {
      const double q = std::atof(quota.c_str());
      if (q > 0) return std::max(1, int(std::ceil(q / double(period))));
    }
  }
  {
    std::ifstream fq("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), fp("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    long q = 0, p = 0;
    if (fq >> q && fp >> p && q > 0 && p > 0) return std::max(1, int(std::ceil(double(q) / double(p))));
  }
  return 0;
}

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
  const int quota = cgroup_cpu_limit();
  if (quota > 0 && quota < n) n = quota;
  return n > 0 ? n : 1;
}

std::atomic<int> g_threads{0};
std::atomic<int> g_sharing{0};      // live ThreadShare objects, process-wide
thread_local int t_share = 0;       // 1 while this thread holds a ThreadShare
std::atomic<bool> g_pool_used{false};
std::atomic<bool> g_forked_child{false};

// libgomp's worker threads do not survive fork(): a child that opened a parallel region
// with more than one thread would wait for them forever. A child of a process whose
// kernels ran threaded therefore runs its kernels on one thread.
void after_fork_in_child() {
  if (g_pool_used.load()) g_forked_child.store(true);
}

struct AtForkRegistration {
  AtForkRegistration() { pthread_atfork(nullptr, nullptr, after_fork_in_child); }
} g_atfork;

}  // namespace

namespace {
int budget() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = default_threads();
    int expected = 0;
    g_threads.compare_exchange_strong(expected, n);
    n = g_threads.load();
  }
  return n;
}
}  // namespace

ThreadShare::ThreadShare() : saved_(t_share) {
  g_sharing.fetch_add(1);
  t_share = 1;
}

ThreadShare::~ThreadShare() {
  g_sharing.fetch_sub(1);
  t_share = saved_;
}

int get_num_threads() {
  if (g_forked_child.load(std::memory_order_relaxed)) return 1;
  if (t_share > 0) {  // this thread holds a share: the budget over the callers running now
    const int n = std::max(1, budget() / std::max(1, g_sharing.load(std::memory_order_relaxed)));
    if (n > 1 && !g_pool_used.load(std::memory_order_relaxed)) g_pool_used.store(true);
    return n;
  }
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = default_threads();
    int expected = 0;
    g_threads.compare_exchange_strong(expected, n);
    n = g_threads.load();
  }
  if (n > 1 && !g_pool_used.load(std::memory_order_relaxed)) g_pool_used.store(true);
  return n;
}

void set_num_threads(int n) {
  KERNN_CHECK(n >= 1, "set_num_threads: n must be a positive integer. Received: n=", n);
  g_threads.store(n);
}

int default_num_threads() { return default_threads(); }

bool in_forked_child() { return g_forked_child.load(); }

}  // namespace kernn
