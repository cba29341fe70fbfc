// GEMM workloads G1-G8 (shared/bench/WORKLOADS.md) per ISA, without Python.
// Prints median and best GFLOP/s over N repetitions and % of the measured FMA peak.
//   ./bench_gemm [reps]
#include <kernn/kernn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

struct Shape {
  const char* id;
  int64_t m, n, k;
  bool ta, tb;
};

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 9;
  const Shape shapes[] = {{"G1", 256, 256, 256, false, false},     {"G2", 1024, 1024, 1024, false, false},
                          {"G2-At", 1024, 1024, 1024, true, false}, {"G2-Bt", 1024, 1024, 1024, false, true},
                          {"G3", 2048, 2048, 2048, false, false},  {"G4", 32, 512, 128, false, false},
                          {"G5", 1600, 512, 64, false, false},     {"G6", 128, 512, 784, false, false},
                          {"G7", 784, 512, 128, true, false},      {"G8", 25088, 32, 9, false, false}};
  const int nt = kernn::get_num_threads();
  std::mt19937 gen(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::printf("threads %d\n%-6s %-7s %10s %10s %8s\n", nt, "id", "isa", "median", "best", "%peak");
  for (kernn::Isa isa : {kernn::Isa::avx512, kernn::Isa::avx2, kernn::Isa::scalar}) {
    if (static_cast<int>(isa) > static_cast<int>(kernn::best_isa())) continue;
    kernn::set_max_isa(isa);
    const double peak = kernn::measure_peak_gflops(isa, nt, 0.2);
    for (const Shape& s : shapes) {
      if (isa == kernn::Isa::scalar && s.m * s.n * s.k > (int64_t(1) << 28)) continue;
      std::vector<float> a(size_t(s.m * s.k)), b(size_t(s.k * s.n)), c(size_t(s.m * s.n));
      for (auto& x : a) x = dist(gen);
      for (auto& x : b) x = dist(gen);
      auto run = [&] {
        kernn::sgemm(s.ta ? kernn::Trans::yes : kernn::Trans::no, s.tb ? kernn::Trans::yes : kernn::Trans::no, s.m,
                     s.n, s.k, 1.0f, a.data(), s.ta ? s.m : s.k, b.data(), s.tb ? s.k : s.n, 0.0f, c.data(), s.n);
      };
      run();
      std::vector<double> gf;
      for (int r = 0; r < reps; ++r) {
        // repeat small shapes so each timing covers at least ~20 ms
        int inner = std::max<int64_t>(1, int64_t(2e7 / std::max<double>(1.0, 2.0 * s.m * s.n * s.k / 100.0)));
        inner = std::min(inner, 1000);
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < inner; ++i) run();
        double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / inner;
        gf.push_back(2.0 * s.m * s.n * s.k / dt * 1e-9);
      }
      std::sort(gf.begin(), gf.end());
      std::printf("%-6s %-7s %10.1f %10.1f %7.0f%%\n", s.id, kernn::isa_name(isa), gf[gf.size() / 2], gf.back(),
                  100.0 * gf[gf.size() / 2] / peak);
    }
    std::printf("%-6s %-7s %10.1f (measured FMA peak, %d threads)\n", "peak", kernn::isa_name(isa), peak, nt);
  }
}
