#pragma once
/// The thread count of kernn's OpenMP kernels. Every kernel gives bit-identical results for
/// any thread count (work is partitioned so that no summation order depends on it).

namespace kernn {

/// Number of OpenMP threads kernn's kernels use. Defaults to OMP_NUM_THREADS when set,
/// else the smaller of the CPUs this process may run on (affinity mask) and the CPU quota
/// of its container (cgroup v2 cpu.max or v1 cfs quota). In a child forked from a process
/// whose kernels ran threaded, always 1 (the OpenMP runtime's workers do not survive fork).
/// Inside a ThreadShare, this thread's share of that budget. Never throws.
int get_num_threads();

/// Set the thread count for all later kernel calls (from any thread). Throws kernn::Error
/// when n < 1.
void set_num_threads(int n);

/// The default get_num_threads() would use (environment, affinity, cgroup quota). Never throws.
int default_num_threads();

/// CPUs granted to this process by its cgroup CPU quota, 0 when there is none: cgroup v2
/// (cpu.max of the process's cgroup, from /proc/self/cgroup, and of its ancestors), else
/// v1 (cpu.cfs_quota_us / cpu.cfs_period_us of the cpu controller's cgroup and ancestors);
/// the smallest quota found, rounded up to whole CPUs. Files are read under `root` ("/"
/// normally; another directory holding proc/self/cgroup and sys/fs/cgroup for tests).
/// Never throws: unreadable files count as no quota.
int cgroup_cpu_quota(const char* root = "/");

/// True in a child forked after kernels ran threaded (kernels then use one thread). Never throws.
bool in_forked_child();

/// Shares the thread budget among callers that run kernels at the same time (e.g. several
/// Python threads): while a ThreadShare lives on this thread, get_num_threads() here
/// returns the budget divided by the number of live ThreadShares (at least 1), so two
/// concurrent callers do not start twice as many threads as there are cores. Results do
/// not change (kernels give the same bits for any thread count). The Python binding holds
/// one around every kernel call.
class ThreadShare {
 public:
  ThreadShare();
  ~ThreadShare();
  ThreadShare(const ThreadShare&) = delete;
  ThreadShare& operator=(const ThreadShare&) = delete;

 private:
  int saved_;
};

}  // namespace kernn
