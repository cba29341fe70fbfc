// Hardening: every kernel flushes denormals to zero while it runs (on the calling thread and
// on its OpenMP workers) and restores the floating-point mode it found, so code running
// after a kernel, on any thread, sees IEEE denormals again.
#include <omp.h>
#include <xmmintrin.h>

#include <functional>
#include <vector>

#include "kernn/kernn.h"
#include "test_util.h"

namespace {

constexpr unsigned kFtzDaz = 0x8000 | 0x0040;
constexpr float kTiny = 1e-39f;  // a denormal

// True when this thread and every worker of a 3-thread OpenMP team run without FTZ/DAZ.
bool mode_is_ieee_everywhere() {
  bool ok = (_mm_getcsr() & kFtzDaz) == 0;
  int bad = 0;
#pragma omp parallel num_threads(3) reduction(+ : bad)
  bad += (_mm_getcsr() & kFtzDaz) != 0;
  return ok && bad == 0;
}

// Runs `kernel` with 3 threads and checks the mode everywhere afterwards. A 2-thread team
// first makes the OpenMP runtime drop its third thread, so the kernel creates a new worker
// (which starts with the flush bits of the kernel's calling thread).
void check_restores(const char* what, const std::function<void()>& kernel) {
  int sink = 0;
#pragma omp parallel num_threads(2) reduction(+ : sink)
  sink += omp_get_thread_num();
  kernn::set_num_threads(3);
  kernel();
  if (!mode_is_ieee_everywhere()) std::printf("  %s left FTZ/DAZ set\n", what);
  CHECK(mode_is_ieee_everywhere());
}

bool all_zero(const std::vector<float>& v) {
  for (float f : v)
    if (f != 0.0f) return false;
  return true;
}

}  // namespace

TEST(denormals_flushed_in_conv_pool_norm) {
  kernn::set_num_threads(3);
  const auto g = kernn::conv2d_geometry(4, 16, 16, 8, 3, 3, 8, 1, 1, 1, 1, kernn::Padding::same);
  std::vector<float> x(size_t(4 * 16 * 16 * 8), kTiny), w(size_t(3 * 3 * 8 * 8), 1.0f);
  std::vector<float> y(x.size(), -1.0f);
  kernn::conv2d_forward(g, x.data(), w.data(), nullptr, kernn::GemmActivation::none, y.data());
  CHECK(all_zero(y));  // without DAZ: sums of up to 72 denormals
  std::vector<float> dw(w.size(), -1.0f), db(8);
  kernn::conv2d_backward_filter(g, x.data(), y.data(), dw.data(), db.data());
  CHECK(all_zero(dw));

  const auto pg = kernn::pool2d_geometry(4, 16, 16, 8, 2, 2, 2, 2, kernn::Padding::valid);
  std::vector<float> p(size_t(4 * 8 * 8 * 8), -1.0f);
  kernn::pool2d_forward(pg, kernn::PoolMode::average, x.data(), p.data());
  CHECK(all_zero(p));

  const int64_t rows = 8192, c = 16;
  std::vector<float> bx(size_t(rows * c), kTiny), by(bx.size(), -1.0f), zero(size_t(c), 0.0f), one(size_t(c), 1.0f);
  kernn::batch_norm_forward_inference(rows, c, bx.data(), nullptr, nullptr, zero.data(), one.data(), 1e-3f,
                                      by.data());
  CHECK(all_zero(by));
  CHECK(mode_is_ieee_everywhere());
}

TEST(every_kernel_family_restores_the_fp_mode) {
  const auto g = kernn::conv2d_geometry(4, 16, 16, 8, 3, 3, 8, 1, 1, 1, 1, kernn::Padding::same);
  std::vector<float> x(size_t(4 * 16 * 16 * 8), 0.5f), w(size_t(3 * 3 * 8 * 8), 0.25f), y(x.size()), dx(x.size());
  std::vector<float> dw(w.size()), db(8);
  check_restores("conv2d_forward", [&] {
    kernn::conv2d_forward(g, x.data(), w.data(), nullptr, kernn::GemmActivation::relu, y.data());
  });
  check_restores("conv2d_backward_data", [&] { kernn::conv2d_backward_data(g, y.data(), w.data(), dx.data()); });
  check_restores("conv2d_backward_filter",
                 [&] { kernn::conv2d_backward_filter(g, x.data(), y.data(), dw.data(), db.data()); });
  const auto dg = kernn::conv2d_geometry(4, 16, 16, 8, 3, 3, 8, 1, 1, 1, 1, kernn::Padding::same, 8);
  std::vector<float> dwk(size_t(3 * 3 * 8));
  check_restores("depthwise", [&] {
    kernn::conv2d_forward(dg, x.data(), w.data(), nullptr, kernn::GemmActivation::none, y.data());
    kernn::conv2d_backward_filter(dg, x.data(), y.data(), dwk.data(), nullptr);
  });
  // few filters (segment-dot kernels) and a one-channel first layer (gathered kernel-gradient rows)
  const auto fg = kernn::conv2d_geometry(4, 16, 16, 8, 3, 3, 2, 1, 1, 1, 1, kernn::Padding::same);
  std::vector<float> wf(size_t(3 * 3 * 8 * 2), 0.25f), yf(size_t(4 * 16 * 16 * 2)), dwf(wf.size());
  check_restores("conv2d few filters", [&] {
    kernn::conv2d_forward(fg, x.data(), wf.data(), nullptr, kernn::GemmActivation::relu, yf.data());
    kernn::conv2d_backward_filter(fg, x.data(), yf.data(), dwf.data(), nullptr);
  });
  const auto og = kernn::conv2d_geometry(4, 16, 16, 1, 3, 3, 16, 1, 1, 1, 1, kernn::Padding::same);
  std::vector<float> w1(size_t(3 * 3 * 16), 0.25f), y1(size_t(4 * 16 * 16 * 16)), dw1(w1.size());
  check_restores("conv2d one input channel", [&] {
    kernn::conv2d_forward(og, x.data(), w1.data(), nullptr, kernn::GemmActivation::none, y1.data());
    kernn::conv2d_backward_filter(og, x.data(), y1.data(), dw1.data(), nullptr);
  });
  // grouped: im2col items spread over the threads
  const auto gg = kernn::conv2d_geometry(16, 16, 16, 8, 3, 3, 8, 1, 1, 1, 1, kernn::Padding::same, 2);
  std::vector<float> xg(size_t(16 * 16 * 16 * 8), 0.5f), wg(size_t(3 * 3 * 4 * 8), 0.25f), yg(xg.size()),
      dxg(xg.size()), dwg(wg.size());
  check_restores("grouped conv2d", [&] {
    kernn::conv2d_forward(gg, xg.data(), wg.data(), nullptr, kernn::GemmActivation::none, yg.data());
    kernn::conv2d_backward_data(gg, yg.data(), wg.data(), dxg.data());
    kernn::conv2d_backward_filter(gg, xg.data(), yg.data(), dwg.data(), nullptr);
  });
  std::vector<float> up(size_t(4 * 32 * 32 * 8));
  check_restores("upsample_nearest", [&] {
    kernn::upsample_nearest_forward(4, 16, 16, 8, 2, 2, x.data(), up.data());
    kernn::upsample_nearest_backward(4, 16, 16, 8, 2, 2, up.data(), dx.data());
  });
  check_restores("resize_bilinear", [&] {
    kernn::resize_bilinear_forward(4, 16, 16, 8, 32, 32, x.data(), up.data());
    kernn::resize_bilinear_backward(4, 16, 16, 8, 32, 32, up.data(), dx.data());
  });

  const auto pg = kernn::pool2d_geometry(4, 16, 16, 8, 2, 2, 2, 2, kernn::Padding::valid);
  std::vector<float> p(size_t(4 * 8 * 8 * 8));
  check_restores("pool2d", [&] {
    kernn::pool2d_forward(pg, kernn::PoolMode::max, x.data(), p.data());
    kernn::pool2d_backward(pg, kernn::PoolMode::max, x.data(), p.data(), dx.data());
  });

  const int64_t rows = 8192, c = 16;
  std::vector<float> bx(size_t(rows * c), 0.5f), by(bx.size()), bdx(bx.size());
  std::vector<float> mean(static_cast<size_t>(c)), var(static_cast<size_t>(c)), dg2(static_cast<size_t>(c)), dbeta(static_cast<size_t>(c)), rm(static_cast<size_t>(rows)),
      rs(static_cast<size_t>(rows));
  for (size_t i = 0; i < bx.size(); ++i) bx[i] = float(i % 7) * 0.1f;
  check_restores("batch_norm", [&] {
    kernn::batch_norm_forward_train(rows, c, bx.data(), nullptr, nullptr, 1e-3f, by.data(), mean.data(), var.data());
    kernn::batch_norm_backward(rows, c, bx.data(), by.data(), nullptr, mean.data(), var.data(), 1e-3f, bdx.data(),
                               dg2.data(), dbeta.data());
  });
  check_restores("layer_norm", [&] {
    kernn::layer_norm_forward(rows, c, bx.data(), nullptr, nullptr, 1e-3f, by.data(), rm.data(), rs.data());
    kernn::layer_norm_backward(rows, c, bx.data(), by.data(), nullptr, rm.data(), rs.data(), bdx.data(), dg2.data(),
                               dbeta.data());
  });

  const int64_t n = 256;
  std::vector<float> a(size_t(n * n), 0.5f), cm(size_t(n * n));
  check_restores("sgemm", [&] {
    kernn::sgemm(kernn::Trans::no, kernn::Trans::no, n, n, n, 1.0f, a.data(), n, a.data(), n, 0.0f, cm.data(), n);
  });
  check_restores("activation", [&] {
    kernn::activation_forward(kernn::Activation::tanh, {}, n * n, a.data(), cm.data());
    kernn::softmax_forward(n, n, a.data(), cm.data());
    kernn::bias_grad(n, n, a.data(), cm.data());
  });

  kernn::RnnConfig cfg;
  cfg.cell = kernn::RnnCell::lstm;
  cfg.batch = 16, cfg.steps = 8, cfg.input_size = 8, cfg.units = 32;
  std::vector<float> rx(size_t(16 * 8 * 8), 0.1f), k(size_t(8 * 128), 0.05f), rk(size_t(32 * 128), 0.05f),
      seq(size_t(16 * 8 * 32)), ws(size_t(kernn::rnn_workspace_size(cfg))), gk(k.size()), grk(rk.size()),
      gx(rx.size());
  kernn::RnnInputs in;
  in.x = rx.data(), in.kernel = k.data(), in.recurrent_kernel = rk.data();
  kernn::RnnOutputs out;
  out.sequence = seq.data();
  check_restores("rnn", [&] {
    kernn::rnn_forward(cfg, in, out, ws.data());
    kernn::RnnOutputGrads dout;
    dout.sequence = seq.data();
    kernn::RnnGrads grads;
    grads.x = gx.data(), grads.kernel = gk.data(), grads.recurrent_kernel = grk.data();
    kernn::rnn_backward(cfg, in, ws.data(), dout, grads);
  });

  std::vector<float> m1(a.size(), 0.0f), v1(a.size(), 0.0f);
  kernn::OptimizerTensor t;
  t.param = a.data(), t.grad = cm.data(), t.slots[0] = m1.data(), t.slots[1] = v1.data(), t.size = int64_t(a.size());
  kernn::OptimizerStep st;
  st.kind = kernn::OptimizerKind::adam;
  check_restores("optimizer_update", [&] { kernn::optimizer_update(st, &t, 1); });

  std::vector<float> loss(static_cast<size_t>(n));
  check_restores("categorical_crossentropy", [&] {
    kernn::categorical_crossentropy(n, n, a.data(), a.data(), true, loss.data(), cm.data());
  });
}

// A caller's own OpenMP worker that chose flush-to-zero itself keeps it across kernel calls
// (the kernel is its caller's guard, not a kernn worker's), and one that did not stays IEEE.
TEST(kernel_called_from_a_callers_parallel_region_keeps_its_mode) {
  kernn::set_num_threads(2);
  const int64_t n = 96;
  std::vector<float> a(size_t(n * n), 0.5f), c(size_t(2 * n * n));
  const auto g = kernn::conv2d_geometry(2, 12, 12, 8, 3, 3, 8, 1, 1, 1, 1, kernn::Padding::same);
  std::vector<float> x(size_t(2 * 12 * 12 * 8), 0.5f), w(size_t(3 * 3 * 8 * 8), 0.25f), y(size_t(2 * x.size()));
  int wrong = 0;
#pragma omp parallel num_threads(2) reduction(+ : wrong)
  {
    const int t = omp_get_thread_num();
    const unsigned before = _mm_getcsr();
    const unsigned mine = t == 1 ? (before | kFtzDaz) : (before & ~kFtzDaz);  // thread 1 opts in
    _mm_setcsr(mine);
    kernn::sgemm(kernn::Trans::no, kernn::Trans::no, n, n, n, 1.0f, a.data(), n, a.data(), n, 0.0f,
                 c.data() + t * n * n, n);
    wrong += _mm_getcsr() != mine;
    kernn::conv2d_forward(g, x.data(), w.data(), nullptr, kernn::GemmActivation::none, y.data() + t * x.size());
    wrong += _mm_getcsr() != mine;
    _mm_setcsr(before & ~kFtzDaz);
  }
  CHECK(wrong == 0);
  CHECK(mode_is_ieee_everywhere());
}

TEST_MAIN()
