#pragma once
/// The measured floating-point peak of this machine, for the benchmarks' "% of peak".
#include "kernn/isa.h"

namespace kernn {

/// Measures this machine's fused multiply-add throughput with `isa`'s widest vectors
/// (independent FMA chains in registers, no memory traffic) on `threads` threads for
/// about `seconds`, and returns GFLOP/s (one FMA = 2 flops). Used by the benchmarks to
/// report "% of peak" as measured, not assumed. Throws kernn::Error if the CPU lacks isa or
/// threads < 1.
double measure_peak_gflops(Isa isa, int threads, double seconds = 0.2);

}  // namespace kernn
