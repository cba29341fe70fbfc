#pragma once
// Flush denormals to zero for the duration of a kernel (on the thread that creates the
// guard), then restore the caller's floating-point mode. Denormal operands make x86 FP
// units take slow microcode paths (an LSTM whose states decay into denormals can run 20x
// slower); deep-learning results do not depend on values below 1.2e-38.
#include <xmmintrin.h>

namespace kernn {

class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFtz | kDaz); }
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  static constexpr unsigned kFtz = 0x8000;  // flush results to zero
  static constexpr unsigned kDaz = 0x0040;  // treat denormal inputs as zero
  unsigned saved_;
};

}  // namespace kernn
