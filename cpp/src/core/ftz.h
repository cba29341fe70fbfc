#pragma once
// Flush denormals to zero for the duration of a kernel (on the thread that creates the
// guard), then restore the floating-point mode. Denormal operands make x86 FP units take
// slow microcode paths (an LSTM whose states decay into denormals can run 20x slower);
// deep-learning results do not depend on values below 1.2e-38.
//
// Use: one guard at the top of each public kernel (the calling thread) and one at the top
// of each OpenMP parallel region (its workers).
//
// The calling thread gets back exactly the mode it had. An OpenMP worker (thread number
// > 0 of an active parallel region) leaving its outermost guard gets back its mode with the
// flush bits cleared (nested guards restore exactly): a worker created by the OpenMP
// runtime inside a kernel inherits the creating thread's MXCSR (flush on) as its starting
// mode, and the runtime creates workers whenever a team grows, so "the mode it had" is not
// a clean mode to restore there. Pool threads thus stay in the default IEEE mode between
// kernels, for any other OpenMP code of the process (cpp/tests/test_hardening.cpp).
#include <omp.h>
#include <xmmintrin.h>

namespace kernn {

class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()), restore_(saved_) {
    // the outermost guard on a worker: leave the worker in the default mode
    if (depth_++ == 0 && omp_in_parallel() && omp_get_thread_num() != 0) restore_ = saved_ & ~(kFtz | kDaz);
    _mm_setcsr(saved_ | kFtz | kDaz);
  }
  ~FlushDenormals() {
    --depth_;
    _mm_setcsr(restore_);
  }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  static constexpr unsigned kFtz = 0x8000;  // flush results to zero
  static constexpr unsigned kDaz = 0x0040;  // treat denormal inputs as zero
  static inline thread_local int depth_ = 0;  // guards alive on this thread
  unsigned saved_;
  unsigned restore_;
};

}  // namespace kernn
