// Convolution, pooling and normalization kernels against double-precision loops.
#include <cmath>
#include <random>
#include <vector>

#include "kernn/kernn.h"
#include "test_util.h"

namespace {

std::vector<float> rnd(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(gen);
  return v;
}

// direct convolution in double
std::vector<double> ref_conv(const kernn::ConvGeometry& g, const std::vector<float>& x, const std::vector<float>& w,
                             const std::vector<float>& b) {
  const int64_t cg = g.in_c / g.groups, fg = g.out_c / g.groups;
  std::vector<double> y(size_t(g.batch * g.out_h * g.out_w * g.out_c));
  for (int64_t n = 0; n < g.batch; ++n)
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox)
        for (int64_t o = 0; o < g.out_c; ++o) {
          double s = b[size_t(o)];
          const int64_t grp = o / fg;
          for (int64_t ky = 0; ky < g.kernel_h; ++ky)
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (iy < 0 || iy >= g.in_h || ix < 0 || ix >= g.in_w) continue;
              for (int64_t ci = 0; ci < cg; ++ci)
                s += double(x[size_t(((n * g.in_h + iy) * g.in_w + ix) * g.in_c + grp * cg + ci)]) *
                     double(w[size_t(((ky * g.kernel_w + kx) * cg + ci) * g.out_c + o)]);
            }
          y[size_t(((n * g.out_h + oy) * g.out_w + ox) * g.out_c + o)] = s;
        }
  return y;
}

void check_forward(const kernn::ConvGeometry& g) {
  auto x = rnd(size_t(g.batch * g.in_h * g.in_w * g.in_c), 1);
  auto w = rnd(size_t(g.kernel_h * g.kernel_w * (g.in_c / g.groups) * g.out_c), 2);
  auto b = rnd(size_t(g.out_c), 3);
  std::vector<float> y(size_t(g.batch * g.out_h * g.out_w * g.out_c));
  kernn::conv2d_forward(g, x.data(), w.data(), b.data(), kernn::GemmActivation::none, y.data());
  auto want = ref_conv(g, x, w, b);
  for (size_t i = 0; i < y.size(); ++i) CHECK_NEAR(y[i], want[i], 1e-4 * (1 + std::fabs(want[i])));
}

}  // namespace

TEST(conv_geometry_keras_same) {
  auto a = kernn::conv_axis(7, 3, 2, 1, kernn::Padding::same);
  CHECK(a.out == 4 && a.pad_before == 1);
  auto b = kernn::conv_axis(8, 3, 2, 1, kernn::Padding::same);  // pad_total 1: all after
  CHECK(b.out == 4 && b.pad_before == 0);
  auto c = kernn::conv_axis(5, 3, 1, 2, kernn::Padding::causal);
  CHECK(c.out == 5 && c.pad_before == 4);
  auto t = kernn::conv_transpose_axis(4, 3, 2, 1, kernn::Padding::same, -1);
  CHECK(t.out == 8);
  auto v = kernn::conv_transpose_axis(4, 3, 2, 1, kernn::Padding::valid, -1);
  CHECK(v.out == 9 && v.pad_before == 0);
}

TEST(conv_forward_matches_direct_loops) {
  check_forward(kernn::conv2d_geometry(2, 7, 6, 5, 3, 3, 4, 1, 1, 1, 1, kernn::Padding::same));
  check_forward(kernn::conv2d_geometry(1, 9, 8, 4, 3, 2, 6, 2, 1, 1, 1, kernn::Padding::valid, 2));
  check_forward(kernn::conv2d_geometry(2, 5, 5, 3, 1, 1, 7, 1, 1, 1, 1, kernn::Padding::valid));
  check_forward(kernn::conv2d_geometry(2, 6, 7, 20, 3, 3, 20, 1, 1, 2, 2, kernn::Padding::same, 20));
  check_forward(kernn::conv2d_geometry(1, 5, 6, 3, 3, 3, 6, 2, 2, 1, 1, kernn::Padding::same, 3));
}

TEST(conv_rejects_bad_groups) {
  auto g = kernn::conv2d_geometry(1, 4, 4, 3, 3, 3, 4, 1, 1, 1, 1, kernn::Padding::same, 2);
  std::vector<float> buf(1024);
  CHECK_THROWS(kernn::conv2d_forward(g, buf.data(), buf.data(), nullptr, kernn::GemmActivation::none, buf.data()),
               "divisible by groups");
}

TEST(conv_thread_count_does_not_change_bits) {
  auto g = kernn::conv2d_geometry(5, 9, 9, 6, 3, 3, 8, 1, 1, 1, 1, kernn::Padding::same);
  auto x = rnd(size_t(5 * 9 * 9 * 6), 4);
  auto dy = rnd(size_t(5 * 9 * 9 * 8), 5);
  std::vector<float> dw1(3 * 3 * 6 * 8), dw2(dw1.size()), db1(8), db2(8);
  const int nt = kernn::get_num_threads();
  kernn::set_num_threads(1);
  kernn::conv2d_backward_filter(g, x.data(), dy.data(), dw1.data(), db1.data());
  kernn::set_num_threads(3);
  kernn::conv2d_backward_filter(g, x.data(), dy.data(), dw2.data(), db2.data());
  kernn::set_num_threads(nt);
  CHECK(dw1 == dw2);
  CHECK(db1 == db2);
}

TEST(pool_max_and_average) {
  auto g = kernn::pool2d_geometry(1, 3, 3, 1, 2, 2, 2, 2, kernn::Padding::same);
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8, 9}, y(4);
  kernn::pool2d_forward(g, kernn::PoolMode::max, x.data(), y.data());
  CHECK(y[0] == 5 && y[1] == 6 && y[2] == 8 && y[3] == 9);
  kernn::pool2d_forward(g, kernn::PoolMode::average, x.data(), y.data());
  CHECK_NEAR(y[0], 3.0, 1e-6);
  CHECK_NEAR(y[1], 4.5, 1e-6);
  CHECK_NEAR(y[3], 9.0, 1e-6);
}

TEST(batch_norm_normalises_each_channel) {
  const int64_t rows = 100, c = 3;
  auto x = rnd(size_t(rows * c), 6);
  std::vector<float> y(x.size()), mean(c), var(c);
  kernn::batch_norm_forward_train(rows, c, x.data(), nullptr, nullptr, 0.0f, y.data(), mean.data(), var.data());
  for (int64_t ch = 0; ch < c; ++ch) {
    double s = 0, q = 0;
    for (int64_t r = 0; r < rows; ++r) s += y[size_t(r * c + ch)], q += double(y[size_t(r * c + ch)]) * y[size_t(r * c + ch)];
    CHECK_NEAR(s / rows, 0.0, 1e-5);
    CHECK_NEAR(q / rows, 1.0, 1e-4);
  }
}

// <conv(x, w), dy> = <x, backward_data(dy, w)> = <w, backward_filter(x, dy)>: the three
// kernels are adjoint in each argument, whatever algorithm each one picked.
void check_adjoint(const kernn::ConvGeometry& g) {
  const size_t nx = size_t(g.batch * g.in_h * g.in_w * g.in_c), ny = size_t(g.batch * g.out_h * g.out_w * g.out_c);
  const size_t nw = size_t(g.kernel_h * g.kernel_w * (g.in_c / g.groups) * g.out_c);
  auto x = rnd(nx, 11), w = rnd(nw, 12), dy = rnd(ny, 13);
  std::vector<float> y(ny), dx(nx), dw(nw), db(size_t(g.out_c));
  kernn::conv2d_forward(g, x.data(), w.data(), nullptr, kernn::GemmActivation::none, y.data());
  kernn::conv2d_backward_data(g, dy.data(), w.data(), dx.data());
  kernn::conv2d_backward_filter(g, x.data(), dy.data(), dw.data(), db.data());
  double a = 0, b = 0, c = 0, scale = 0;
  for (size_t i = 0; i < ny; ++i) a += double(y[i]) * dy[i], scale += std::fabs(double(y[i]) * dy[i]);
  for (size_t i = 0; i < nx; ++i) b += double(x[i]) * dx[i];
  for (size_t i = 0; i < nw; ++i) c += double(w[i]) * dw[i];
  CHECK_NEAR(a, b, 1e-5 * (scale + 1));
  CHECK_NEAR(a, c, 1e-5 * (scale + 1));
  double sdy = 0;
  for (size_t i = 0; i < ny; ++i) sdy += dy[i];
  double sdb = 0;
  for (float v : db) sdb += v;
  CHECK_NEAR(sdb, sdy, 1e-4 * (1 + std::sqrt(double(ny))));
}

TEST(conv_backward_kernels_are_adjoint) {
  using P = kernn::Padding;
  check_adjoint(kernn::conv2d_geometry(3, 9, 8, 16, 3, 3, 24, 1, 1, 1, 1, P::same));     // igemm + flipped
  check_adjoint(kernn::conv2d_geometry(2, 9, 9, 8, 3, 3, 40, 2, 2, 1, 1, P::valid));     // strided col2im
  check_adjoint(kernn::conv2d_geometry(2, 7, 7, 12, 3, 3, 2, 1, 1, 2, 2, P::same));      // few outputs
  check_adjoint(kernn::conv2d_geometry(2, 6, 7, 32, 3, 3, 64, 1, 1, 1, 1, P::same, 32)); // depthwise x2
  check_adjoint(kernn::conv2d_geometry(1, 6, 6, 8, 3, 2, 12, 1, 2, 1, 1, P::same, 4));   // grouped
  check_adjoint(kernn::conv2d_geometry(2, 1, 11, 6, 1, 3, 5, 1, 1, 1, 2, P::causal));    // 1-D causal
  check_adjoint(kernn::conv2d_geometry(4, 5, 5, 7, 1, 1, 9, 1, 1, 1, 1, P::valid));      // pointwise
  check_adjoint(kernn::conv2d_transpose_geometry(2, 4, 5, 6, 3, 3, 5, 2, 2, 1, 1, P::same, -1, -1));
}

TEST(pool_backward_is_adjoint_for_average) {
  auto g = kernn::pool2d_geometry(2, 7, 6, 5, 3, 2, 2, 1, kernn::Padding::same);
  const size_t nx = size_t(2 * 7 * 6 * 5), ny = size_t(g.batch * g.out_h * g.out_w * g.c);
  auto x = rnd(nx, 21), dy = rnd(ny, 22);
  std::vector<float> y(ny), dx(nx);
  kernn::pool2d_forward(g, kernn::PoolMode::average, x.data(), y.data());
  kernn::pool2d_backward(g, kernn::PoolMode::average, nullptr, dy.data(), dx.data());
  double a = 0, b = 0;
  for (size_t i = 0; i < ny; ++i) a += double(y[i]) * dy[i];
  for (size_t i = 0; i < nx; ++i) b += double(x[i]) * dx[i];
  CHECK_NEAR(a, b, 1e-4);
}

TEST(bilinear_resize_backward_is_adjoint) {
  auto x = rnd(2 * 3 * 4 * 3, 31), dy = rnd(2 * 6 * 10 * 3, 32);
  std::vector<float> y(dy.size()), dx(x.size());
  kernn::resize_bilinear_forward(2, 3, 4, 3, 6, 10, x.data(), y.data());
  kernn::resize_bilinear_backward(2, 3, 4, 3, 6, 10, dy.data(), dx.data());
  double a = 0, b = 0;
  for (size_t i = 0; i < y.size(); ++i) a += double(y[i]) * dy[i];
  for (size_t i = 0; i < x.size(); ++i) b += double(x[i]) * dx[i];
  CHECK_NEAR(a, b, 1e-4);
}

TEST_MAIN()
