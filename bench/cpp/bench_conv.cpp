// Convolution workloads C1-C7 (shared/bench/WORKLOADS.md) per ISA, without Python.
// Forward GFLOP/s (median, best, % of the measured FMA peak) and forward + backward ms.
//   ./bench_conv [reps]
#include <kernn/kernn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

struct Work {
  const char* id;
  int64_t n, h, w, c, f, k, s;
  kernn::Padding pad;
  int64_t d, groups;
};

template <typename F>
std::vector<double> time_it(F&& fn, int reps) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t;
}

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 7;
  using P = kernn::Padding;
  const Work works[] = {{"C1", 32, 28, 28, 1, 32, 3, 1, P::same, 1, 1},   {"C2", 32, 28, 28, 32, 64, 3, 1, P::same, 1, 1},
                        {"C3", 32, 32, 32, 64, 64, 3, 1, P::same, 1, 1},  {"C4", 8, 56, 56, 64, 64, 3, 1, P::same, 1, 1},
                        {"C5", 32, 32, 32, 64, 128, 3, 2, P::valid, 1, 1}, {"C6", 32, 32, 32, 64, 64, 3, 1, P::same, 2, 1},
                        {"C7", 32, 32, 32, 64, 64, 3, 1, P::same, 1, 64}};
  const int nt = kernn::get_num_threads();
  std::mt19937 gen(0);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::printf("threads %d\n%-4s %-7s %10s %10s %7s %12s\n", nt, "id", "isa", "fwd GF/s", "best GF/s", "%peak",
              "fwd+bwd ms");
  for (kernn::Isa isa : {kernn::Isa::avx512, kernn::Isa::avx2, kernn::Isa::scalar}) {
    if (static_cast<int>(isa) > static_cast<int>(kernn::best_isa())) continue;
    kernn::set_max_isa(isa);
    const double peak = kernn::measure_peak_gflops(isa, nt, 0.2);
    for (const Work& wk : works) {
      const kernn::ConvGeometry g = kernn::conv2d_geometry(wk.n, wk.h, wk.w, wk.c, wk.k, wk.k, wk.f, wk.s, wk.s, wk.d,
                                                           wk.d, wk.pad, wk.groups);
      std::vector<float> x(size_t(g.batch * g.in_h * g.in_w * g.in_c)), w(size_t(wk.k * wk.k * (wk.c / wk.groups) * wk.f));
      std::vector<float> b(size_t(wk.f)), y(size_t(g.batch * g.out_h * g.out_w * g.out_c)), dy(y.size()), dx(x.size());
      std::vector<float> dw(w.size()), db(b.size());
      for (auto* v : {&x, &w, &b, &dy})
        for (auto& e : *v) e = dist(gen);
      const double gflop = 2.0 * double(y.size()) * double(wk.k * wk.k * wk.c / wk.groups) * 1e-9;
      auto fwd = time_it([&] { kernn::conv2d_forward(g, x.data(), w.data(), b.data(), kernn::GemmActivation::none, y.data()); },
                         reps);
      auto step = time_it([&] {
        kernn::conv2d_forward(g, x.data(), w.data(), b.data(), kernn::GemmActivation::none, y.data());
        kernn::conv2d_backward_data(g, dy.data(), w.data(), dx.data());
        kernn::conv2d_backward_filter(g, x.data(), dy.data(), dw.data(), db.data());
      }, isa == kernn::Isa::scalar ? 1 : reps);
      const double med = gflop / fwd[fwd.size() / 2];
      std::printf("%-4s %-7s %10.1f %10.1f %6.0f%% %12.2f\n", wk.id, kernn::isa_name(isa), med, gflop / fwd.front(),
                  100.0 * med / peak, 1e3 * step[step.size() / 2]);
    }
    std::printf("%-4s %-7s %10.1f (measured FMA peak, %d threads)\n", "peak", kernn::isa_name(isa), peak, nt);
  }
}
