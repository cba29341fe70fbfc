#pragma once
// Flush denormals to zero for the duration of a kernel (on the thread that creates the
// guard), then restore the floating-point mode. Denormal operands make x86 FP units take
// slow microcode paths (an LSTM whose states decay into denormals can run 20x slower);
// deep-learning results do not depend on values below 1.2e-38.
//
// Use: a FlushDenormals at the top of each public kernel (the calling thread: it gets back
// exactly the mode it had), and a FlushDenormalsWorker at the top of each OpenMP parallel
// region of a kernel (or of each iteration, when that is cheap next to the iteration).
//
// A worker (thread number > 0 of the region) leaving its FlushDenormalsWorker gets back its
// mode with the flush bits cleared, not the mode it had: a worker that the OpenMP runtime
// created inside a kernel inherited the creating thread's MXCSR (flush on) as its starting
// mode, and the runtime creates workers whenever a team grows, so "the mode it had" is not
// a clean mode there. Pool threads thus stay in the default IEEE mode between kernels, for
// any other OpenMP code of the process (cpp/tests/test_hardening.cpp). Thread 0 of the
// region is the caller and restores exactly; so does a kernel called from a caller's own
// parallel region (its FlushDenormals is the caller's guard, its own regions are inactive).
#include <omp.h>
#include <xmmintrin.h>

namespace kernn {

constexpr unsigned kMxcsrFtz = 0x8000;  // flush results to zero
constexpr unsigned kMxcsrDaz = 0x0040;  // treat denormal inputs as zero

/// On the calling thread of a kernel: flush on, then exactly the caller's mode back.
class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kMxcsrFtz | kMxcsrDaz); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_;
};

/// Inside a kernel's OpenMP parallel region: flush on; a worker thread leaves with the flush
/// bits cleared, thread 0 (the caller) with exactly its mode.
class FlushDenormalsWorker {
 public:
  FlushDenormalsWorker() : saved_(_mm_getcsr()), restore_(saved_) {
    if (omp_get_thread_num() != 0) restore_ = saved_ & ~(kMxcsrFtz | kMxcsrDaz);
    _mm_setcsr(saved_ | kMxcsrFtz | kMxcsrDaz);
  }
  ~FlushDenormalsWorker() { _mm_setcsr(restore_); }
  FlushDenormalsWorker(const FlushDenormalsWorker&) = delete;
  FlushDenormalsWorker& operator=(const FlushDenormalsWorker&) = delete;

 private:
  unsigned saved_;
  unsigned restore_;
};

}  // namespace kernn
