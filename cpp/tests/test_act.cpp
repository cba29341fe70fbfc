// Activations, softmax, fused losses, optimizer updates and bias_grad against double-precision
// loops, without Python. Each TEST runs on every ISA the CPU has.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernn/kernn.h"
#include "test_util.h"

namespace {

using kernn::Activation;

std::vector<float> random_vec(size_t n, unsigned seed, float scale = 3.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

double rel_err(double got, double want) { return std::fabs(got - want) / std::max(std::fabs(want), 1e-6); }

TEST(activation_forward_matches_libm) {
  const std::vector<float> x = random_vec(1003, 1);
  std::vector<float> y(x.size());
  struct Case {
    Activation act;
    double (*ref)(double);
  };
  const Case cases[] = {
      {Activation::sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }},
      {Activation::tanh, [](double v) { return std::tanh(v); }},
      {Activation::gelu, [](double v) { return v * 0.5 * std::erfc(-v / std::sqrt(2.0)); }},
      {Activation::softplus, [](double v) { return std::max(v, 0.0) + std::log1p(std::exp(-std::fabs(v))); }},
      {Activation::elu, [](double v) { return v > 0 ? v : std::expm1(v); }},
      {Activation::silu, [](double v) { return v / (1 + std::exp(-v)); }},
      {Activation::hard_sigmoid, [](double v) { return std::min(std::max(v + 3, 0.0), 6.0) / 6; }},
  };
  for (const Case& c : cases) {
    kernn::activation_forward(c.act, {}, int64_t(x.size()), x.data(), y.data());
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, rel_err(y[i], c.ref(x[i])));
    if (worst > 1e-6) std::printf("  %s: relative error %g\n", kernn::activation_name(c.act), worst);
    CHECK(worst <= 1e-6);
  }
}

TEST(activation_backward_matches_finite_differences) {
  const std::vector<float> x = random_vec(257, 2, 2.0f);
  const std::vector<float> g(x.size(), 1.0f);
  std::vector<float> d(x.size()), yp(1), ym(1);
  for (Activation act : {Activation::sigmoid, Activation::tanh, Activation::gelu, Activation::gelu_tanh,
                         Activation::softplus, Activation::selu, Activation::silu, Activation::softsign}) {
    kernn::activation_backward(act, {}, int64_t(x.size()), x.data(), g.data(), d.data());
    for (size_t i = 0; i < x.size(); ++i) {
      if (std::fabs(x[i]) < 0.05f) continue;  // selu and softsign have kinks at 0
      const float h = 2e-3f;
      const float xp = x[i] + h, xm = x[i] - h;
      kernn::activation_forward(act, {}, 1, &xp, yp.data());
      kernn::activation_forward(act, {}, 1, &xm, ym.data());
      CHECK_NEAR(d[i], (double(yp[0]) - ym[0]) / (double(xp) - xm), 2e-3);
    }
  }
}

TEST(relu_parameters_follow_keras) {
  kernn::ActivationParams p;
  p.negative_slope = 0.5f;
  p.max_value = 2.0f;
  p.threshold = 1.0f;
  const float x[] = {-2.0f, 0.5f, 1.5f, 3.0f};
  float y[4];
  kernn::activation_forward(Activation::relu, p, 4, x, y);
  // x > threshold ? min(x, max) : 0, minus slope * max(threshold - x, 0)
  CHECK_NEAR(y[0], -1.5, 1e-7);
  CHECK_NEAR(y[1], -0.25, 1e-7);
  CHECK_NEAR(y[2], 1.5, 1e-7);
  CHECK_NEAR(y[3], 2.0, 1e-7);
}

TEST(nan_propagates) {
  const float x[3] = {1.0f, std::numeric_limits<float>::quiet_NaN(), -1.0f};
  float y[3];
  for (int a = 0; a <= static_cast<int>(Activation::sparse_sigmoid); ++a) {
    kernn::activation_forward(static_cast<Activation>(a), {}, 3, x, y);
    CHECK(std::isnan(y[1]) && !std::isnan(y[0]) && !std::isnan(y[2]));
  }
}

TEST(softmax_rows_sum_to_one_and_log_softmax_agrees) {
  const int64_t rows = 5, cols = 1001;
  std::vector<float> x = random_vec(size_t(rows * cols), 3, 10.0f), y(x.size()), ly(x.size());
  kernn::softmax_forward(rows, cols, x.data(), y.data());
  kernn::log_softmax_forward(rows, cols, x.data(), ly.data());
  for (int64_t r = 0; r < rows; ++r) {
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) {
      s += y[size_t(r * cols + j)];
      CHECK_NEAR(std::exp(double(ly[size_t(r * cols + j)])), y[size_t(r * cols + j)], 1e-6);
    }
    CHECK_NEAR(s, 1.0, 1e-5);
  }
}

TEST(cross_entropy_from_logits_is_softmax_minus_target) {
  const int64_t rows = 4, cols = 9;
  std::vector<float> z = random_vec(size_t(rows * cols), 4), t(z.size(), 0.0f), sm(z.size()), g(z.size());
  std::vector<int64_t> labels(static_cast<size_t>(rows));
  std::vector<float> loss(static_cast<size_t>(rows)), sloss(static_cast<size_t>(rows)), sg(z.size());
  for (int64_t r = 0; r < rows; ++r) {
    labels[size_t(r)] = (r * 5) % cols;
    t[size_t(r * cols + labels[size_t(r)])] = 1.0f;
  }
  kernn::softmax_forward(rows, cols, z.data(), sm.data());
  kernn::categorical_crossentropy(rows, cols, t.data(), z.data(), true, loss.data(), g.data());
  kernn::sparse_categorical_crossentropy(rows, cols, labels.data(), z.data(), true, sloss.data(), sg.data());
  for (int64_t r = 0; r < rows; ++r) {
    CHECK_NEAR(loss[size_t(r)], -std::log(double(sm[size_t(r * cols + labels[size_t(r)])])), 1e-5);
    CHECK_NEAR(sloss[size_t(r)], loss[size_t(r)], 1e-5);
    for (int64_t j = 0; j < cols; ++j) {
      CHECK_NEAR(g[size_t(r * cols + j)], sm[size_t(r * cols + j)] - t[size_t(r * cols + j)], 1e-6);
      CHECK_NEAR(sg[size_t(r * cols + j)], g[size_t(r * cols + j)], 1e-6);
    }
  }
  labels[2] = cols;
  CHECK_THROWS(kernn::sparse_categorical_crossentropy(rows, cols, labels.data(), z.data(), true, sloss.data(),
                                                      nullptr),
               "label 9 (at position 2) is out of range for 9 classes");
}

TEST(binary_crossentropy_clips_probabilities) {
  const float t[2] = {1.0f, 0.0f}, p[2] = {0.0f, 0.0f};
  float loss[1], g[2];
  kernn::binary_crossentropy(1, 2, t, p, false, loss, g);
  CHECK_NEAR(loss[0], -std::log(1e-7) / 2 - std::log1p(-1e-7) / 2, 1e-5);
  CHECK(g[0] == 0.0f);  // outside the clip range: no gradient
}

TEST(adam_step_follows_keras) {
  std::vector<float> p = {1.0f, -2.0f, 0.5f}, g = {0.1f, -0.2f, 0.0f}, m(3, 0.0f), v(3, 0.0f);
  kernn::OptimizerTensor t;
  t.param = p.data();
  t.grad = g.data();
  t.slots[0] = m.data();
  t.slots[1] = v.data();
  t.size = 3;
  kernn::OptimizerStep s;
  s.kind = kernn::OptimizerKind::adam;
  s.learning_rate = 0.001;
  kernn::optimizer_update(s, &t, 1);
  // first step: m = 0.1 g, v = 0.001 g^2, alpha = lr sqrt(0.001) / 0.1, so p -= lr * sign(g) (almost)
  CHECK_NEAR(p[0], 1.0 - 0.001, 1e-6);
  CHECK_NEAR(p[1], -2.0 + 0.001, 1e-6);
  CHECK_NEAR(p[2], 0.5, 0);
  CHECK_NEAR(m[0], 0.01, 1e-8);
  t.slots[1] = nullptr;
  CHECK_THROWS(kernn::optimizer_update(s, &t, 1), "adam_update: tensor 0 lacks optimizer slot 1");
}

TEST(bias_grad_is_thread_independent) {
  const int64_t rows = 3001, cols = 37;
  const std::vector<float> g = random_vec(size_t(rows * cols), 5);
  std::vector<float> a(static_cast<size_t>(cols)), b(static_cast<size_t>(cols));
  const int before = kernn::get_num_threads();
  kernn::set_num_threads(1);
  kernn::bias_grad(rows, cols, g.data(), a.data());
  kernn::set_num_threads(3);
  kernn::bias_grad(rows, cols, g.data(), b.data());
  kernn::set_num_threads(before);
  for (int64_t j = 0; j < cols; ++j) {
    double s = 0;
    for (int64_t r = 0; r < rows; ++r) s += g[size_t(r * cols + j)];
    CHECK(a[size_t(j)] == b[size_t(j)]);
    CHECK_NEAR(a[size_t(j)], s, 1e-4);
  }
}

TEST(unknown_activation_name_throws) {
  CHECK_THROWS(kernn::activation_from_name("relu7"), "Unknown activation 'relu7'");
  CHECK(kernn::activation_from_name("swish") == Activation::silu);
}

}  // namespace

TEST_MAIN()
