// Recurrent workloads R1-R4 (shared/bench/WORKLOADS.md) per cell and ISA, without Python:
// forward (inference), forward keeping the workspace, and backward through time.
// Prints the median and best milliseconds and GFLOP/s of the GEMM work.
//   ./bench_rnn [reps] [isa]
#include <kernn/kernn.h>

#include <algorithm>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

struct Work {
  const char* id;
  int64_t batch, steps, features, units;
};

// KERNN_BENCH_CPU_TIME=1 times with the process CPU clock: on a shared machine this leaves
// out the time other processes held the cores (meaningful with one thread).
static double now() {
  static const bool cpu = std::getenv("KERNN_BENCH_CPU_TIME") != nullptr;
  timespec ts;
  clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

template <class F>
static void time_it(int reps, F&& f, double& median, double& best) {
  f();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    f();
    t.push_back(now() - t0);
  }
  std::sort(t.begin(), t.end());
  median = t[t.size() / 2], best = t[0];
}

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 7;
  const char* only_isa = argc > 2 ? argv[2] : nullptr;
  const Work works[] = {{"R1", 32, 50, 32, 128}, {"R2", 64, 100, 128, 256}, {"R3", 1, 200, 16, 64},
                        {"R4", 128, 30, 8, 32}};
  const kernn::RnnCell cells[] = {kernn::RnnCell::simple, kernn::RnnCell::lstm, kernn::RnnCell::gru};
  const char* cell_names[] = {"simple", "lstm", "gru"};
  std::mt19937 gen(0);
  std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
  std::printf("threads %d\n%-4s %-7s %-7s %-9s %10s %10s %8s\n", kernn::get_num_threads(), "id", "cell", "isa",
              "pass", "median_ms", "best_ms", "GFLOP/s");
  for (kernn::Isa isa : {kernn::Isa::avx512, kernn::Isa::avx2, kernn::Isa::scalar}) {
    if (static_cast<int>(isa) > static_cast<int>(kernn::best_isa())) continue;
    if (only_isa && std::strcmp(only_isa, kernn::isa_name(isa)) != 0) continue;
    kernn::set_max_isa(isa);
    for (const Work& w : works) {
      for (int ci = 0; ci < 3; ++ci) {
        kernn::RnnConfig cfg;
        cfg.cell = cells[ci];
        cfg.batch = w.batch, cfg.steps = w.steps, cfg.input_size = w.features, cfg.units = w.units;
        const int64_t gu = kernn::rnn_gates(cfg.cell) * w.units;
        auto rnd = [&](int64_t n) {
          std::vector<float> v(static_cast<size_t>(n));
          for (auto& x : v) x = dist(gen);
          return v;
        };
        auto x = rnd(w.batch * w.steps * w.features), k = rnd(w.features * gu), u = rnd(w.units * gu);
        auto b = rnd(kernn::rnn_bias_size(cfg));
        // the workspace on a 64-byte line, as the Python binding allocates it (its rows are then
        // whole cache lines; a std::vector's 16-byte alignment splits their vectors)
        const size_t ws_bytes = (static_cast<size_t>(kernn::rnn_workspace_size(cfg)) * sizeof(float) + 63) / 64 * 64;
        std::unique_ptr<float, decltype(&std::free)> ws(static_cast<float*>(std::aligned_alloc(64, ws_bytes)),
                                                        &std::free);
        if (!ws) return 1;
        std::vector<float> last(static_cast<size_t>(w.batch * w.units));
        std::vector<float> dx(x.size()), dk(k.size()), du(u.size()), db(b.size()), dlast(last.size(), 1.0f);
        kernn::RnnInputs in;
        in.x = x.data(), in.kernel = k.data(), in.recurrent_kernel = u.data(), in.bias = b.data();
        kernn::RnnOutputs out;
        out.last = last.data();
        kernn::RnnOutputGrads dout;
        dout.last = dlast.data();
        kernn::RnnGrads g{dx.data(), dk.data(), du.data(), db.data(), nullptr, nullptr};
        const double flops = 2.0 * double(w.batch * w.steps) * double(w.features + w.units) * double(gu);
        double med, best;
        time_it(reps, [&] { kernn::rnn_forward(cfg, in, out, nullptr); }, med, best);
        std::printf("%-4s %-7s %-7s %-9s %10.3f %10.3f %8.1f\n", w.id, cell_names[ci], kernn::isa_name(isa),
                    "forward", med * 1e3, best * 1e3, flops / best * 1e-9);
        time_it(reps, [&] { kernn::rnn_forward(cfg, in, out, ws.get()); }, med, best);
        std::printf("%-4s %-7s %-7s %-9s %10.3f %10.3f %8.1f\n", w.id, cell_names[ci], kernn::isa_name(isa),
                    "fwd_train", med * 1e3, best * 1e3, flops / best * 1e-9);
        time_it(reps, [&] { kernn::rnn_backward(cfg, in, ws.get(), dout, g); }, med, best);
        std::printf("%-4s %-7s %-7s %-9s %10.3f %10.3f %8.1f\n", w.id, cell_names[ci], kernn::isa_name(isa),
                    "backward", med * 1e3, best * 1e3, 2 * flops / best * 1e-9);
      }
    }
  }
  return 0;
}
