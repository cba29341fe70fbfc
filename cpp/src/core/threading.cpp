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

// The cgroup of this process for the v2 hierarchy ("0::/path") or for the v1 cpu controller
// ("N:cpu,cpuacct:/path"), from <root>proc/self/cgroup; empty when absent.
std::string cgroup_path(const std::string& root, bool v2) {
  std::ifstream f(root + "proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (v2 && line.compare(0, a, "0") == 0 && controllers.empty()) return path;
    if (!v2) {
      size_t s = 0;
      while (s <= controllers.size()) {
        const size_t e = std::min(controllers.find(',', s), controllers.size());
        if (controllers.compare(s, e - s, "cpu") == 0) return path;
        s = e + 1;
      }
    }
  }
  return "";
}

// CPUs allowed by one quota file pair: v2 "quota period" (quota "max": none) or v1 quota_us
// and period_us (-1: none). 0 when none or unreadable.
int quota_cpus(double quota, double period) {
  return quota > 0 && period > 0 ? std::max(1, int(std::ceil(quota / period))) : 0;
}

int v2_quota(const std::string& dir) {
  std::ifstream f(dir + "/cpu.max");
  std::string quota;
  double period = 0;
  if (!(f >> quota >> period) || quota == "max") return 0;
  return quota_cpus(std::atof(quota.c_str()), period);
}

int v1_quota(const std::string& dir) {
  std::ifstream fq(dir + "/cpu.cfs_quota_us"), fp(dir + "/cpu.cfs_period_us");
  double q = 0, p = 0;
  return fq >> q && fp >> p ? quota_cpus(q, p) : 0;
}

// The smallest quota along `path` (the process's cgroup and its ancestors, where the
// hierarchy is mounted under `mount`) and at the mount itself (a container sees its own
// cgroup there); 0 when none.
template <class Quota>
int smallest_quota(const std::string& mount, std::string path, Quota quota) {
  int best = quota(mount);
  while (!path.empty() && path != "/") {
    const int q = quota(mount + path);
    if (q > 0 && (best == 0 || q < best)) best = q;
    const size_t slash = path.find_last_of('/');
    path = slash == std::string::npos ? "" : path.substr(0, slash);
  }
  return best;
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
  const int quota = cgroup_cpu_quota("/");
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

int cgroup_cpu_quota(const char* root) {
  std::string base = root && *root ? root : "/";
  if (base.back() != '/') base += '/';
  const int v2 = smallest_quota(base + "sys/fs/cgroup", cgroup_path(base, true), v2_quota);
  if (v2 > 0) return v2;
  const std::string v1_path = cgroup_path(base, false);
  const int v1 = smallest_quota(base + "sys/fs/cgroup/cpu,cpuacct", v1_path, v1_quota);
  return v1 > 0 ? v1 : smallest_quota(base + "sys/fs/cgroup/cpu", v1_path, v1_quota);
}

bool in_forked_child() { return g_forked_child.load(); }

}  // namespace kernn
