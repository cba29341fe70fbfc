// Measured FMA peak per ISA and thread count: `./peak [seconds]`.
#include <kernn/kernn.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 0.3;
  const int nt = kernn::get_num_threads();
  std::printf("%-8s %10s %12s\n", "isa", "threads", "GFLOP/s");
  for (kernn::Isa isa : {kernn::Isa::scalar, kernn::Isa::avx2, kernn::Isa::avx512}) {
    if (static_cast<int>(isa) > static_cast<int>(kernn::best_isa())) continue;
    for (int t : {1, nt}) {
      std::printf("%-8s %10d %12.1f\n", kernn::isa_name(isa), t, kernn::measure_peak_gflops(isa, t, seconds));
      if (nt == 1) break;
    }
  }
}
