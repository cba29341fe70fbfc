// Recurrent kernels without Python: an LSTM against a double-precision loop, masks and
// go_backwards behaviours, backward against finite differences, thread-count invariance,
// and the argument checks. Runs on every ISA.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernn/kernn.h"
#include "test_util.h"

namespace {

std::vector<float> random_vec(size_t n, unsigned seed, float scale = 0.5f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

double sig(double x) { return 1 / (1 + std::exp(-x)); }

struct Lstm {
  int64_t B = 3, S = 5, I = 4, U = 6;
  std::vector<float> x = random_vec(size_t(B * S * I), 1), k = random_vec(size_t(I * 4 * U), 2),
                     r = random_vec(size_t(U * 4 * U), 3), b = random_vec(size_t(4 * U), 4);
  kernn::RnnConfig cfg() const {
    kernn::RnnConfig c;
    c.cell = kernn::RnnCell::lstm;
    c.batch = B, c.steps = S, c.input_size = I, c.units = U;
    return c;
  }
  kernn::RnnInputs inputs() const {
    kernn::RnnInputs in;
    in.x = x.data(), in.kernel = k.data(), in.recurrent_kernel = r.data(), in.bias = b.data();
    return in;
  }
  // sum of the last outputs, in float32 through the kernel
  double loss() const {
    std::vector<float> last(size_t(B * U));
    kernn::RnnOutputs out;
    out.last = last.data();
    kernn::rnn_forward(cfg(), inputs(), out);
    double s = 0;
    for (float v : last) s += v;
    return s;
  }
};

void check_lstm_forward_against_double_loop(const Lstm& m, double tol) {
  std::vector<float> seq(size_t(m.B * m.S * m.U)), h(size_t(m.B * m.U)), c(size_t(m.B * m.U));
  kernn::RnnOutputs out;
  out.sequence = seq.data(), out.h = h.data(), out.c = c.data();
  kernn::rnn_forward(m.cfg(), m.inputs(), out);
  const int64_t U = m.U, G = 4 * U;
  for (int64_t bi = 0; bi < m.B; ++bi) {
    std::vector<double> hh(size_t(U), 0.0), cc(size_t(U), 0.0);
    for (int64_t t = 0; t < m.S; ++t) {
      std::vector<double> z(static_cast<size_t>(G));
      for (int64_t j = 0; j < G; ++j) {
        double s = m.b[size_t(j)];
        for (int64_t i = 0; i < m.I; ++i) s += double(m.x[size_t((bi * m.S + t) * m.I + i)]) * m.k[size_t(i * G + j)];
        for (int64_t i = 0; i < U; ++i) s += hh[size_t(i)] * m.r[size_t(i * G + j)];
        z[size_t(j)] = s;
      }
      for (int64_t j = 0; j < U; ++j) {
        const double ig = sig(z[size_t(j)]), fg = sig(z[size_t(U + j)]), g = std::tanh(z[size_t(2 * U + j)]),
                     og = sig(z[size_t(3 * U + j)]);
        cc[size_t(j)] = fg * cc[size_t(j)] + ig * g;
        hh[size_t(j)] = og * std::tanh(cc[size_t(j)]);
        CHECK_NEAR(seq[size_t((bi * m.S + t) * U + j)], hh[size_t(j)], tol);
      }
    }
    for (int64_t j = 0; j < U; ++j) {
      CHECK_NEAR(h[size_t(bi * U + j)], hh[size_t(j)], tol);
      CHECK_NEAR(c[size_t(bi * U + j)], cc[size_t(j)], tol);
    }
  }
}

}  // namespace

TEST(lstm_forward_matches_double_loop) { check_lstm_forward_against_double_loop(Lstm{}, 2e-6); }

// 16 rows, 20 features, 112 units: AVX-512 runs the stacked [x_t, h] product (k = 132) in
// its 8x32 tiles
TEST(lstm_forward_in_tall_tiles_matches_double_loop) {
  Lstm m;
  m.B = 16, m.I = 20, m.U = 112;
  m.x = random_vec(size_t(m.B * m.S * m.I), 31), m.k = random_vec(size_t(m.I * 4 * m.U), 32, 0.1f);
  m.r = random_vec(size_t(m.U * 4 * m.U), 33, 0.1f), m.b = random_vec(size_t(4 * m.U), 34);
  check_lstm_forward_against_double_loop(m, 2e-5);
}

TEST(fully_masked_row_keeps_initial_state_and_outputs_zero) {
  for (auto cell : {kernn::RnnCell::simple, kernn::RnnCell::lstm, kernn::RnnCell::gru}) {
    kernn::RnnConfig cfg;
    cfg.cell = cell, cfg.batch = 2, cfg.steps = 4, cfg.input_size = 3, cfg.units = 5, cfg.go_backwards = true;
    const int64_t G = kernn::rnn_gates(cell) * 5;
    auto x = random_vec(24, 5), k = random_vec(size_t(3 * G), 6), r = random_vec(size_t(5 * G), 7);
    auto b = random_vec(size_t(kernn::rnn_bias_size(cfg)), 8), h0 = random_vec(10, 9), c0 = random_vec(10, 10);
    std::vector<uint8_t> mask = {0, 0, 0, 0, 1, 0, 1, 1};
    std::vector<float> seq(40), last(10), h(10), c(10);
    kernn::RnnInputs in;
    in.x = x.data(), in.kernel = k.data(), in.recurrent_kernel = r.data(), in.bias = b.data();
    in.h0 = h0.data(), in.c0 = c0.data(), in.mask = mask.data();
    kernn::RnnOutputs out{seq.data(), last.data(), h.data(), c.data()};
    kernn::rnn_forward(cfg, in, out);
    for (int j = 0; j < 5; ++j) {
      CHECK(last[size_t(j)] == 0.0f);
      CHECK(h[size_t(j)] == h0[size_t(j)]);
      if (cell == kernn::RnnCell::lstm) CHECK(c[size_t(j)] == c0[size_t(j)]);
      // row 1 processed backwards: steps 3, 2 run, step 1 masked (repeats), step 0 runs
      CHECK(seq[size_t(20 + 2 * 5 + j)] == seq[size_t(20 + 1 * 5 + j)]);
    }
  }
}

TEST(lstm_backward_matches_finite_differences) {
  Lstm m;
  std::vector<float> ws(size_t(kernn::rnn_workspace_size(m.cfg()))), last(size_t(m.B * m.U));
  std::vector<float> ones(last.size(), 1.0f);
  kernn::RnnOutputs out;
  out.last = last.data();
  kernn::rnn_forward(m.cfg(), m.inputs(), out, ws.data());
  std::vector<float> dx(m.x.size()), dk(m.k.size()), dr(m.r.size()), db(m.b.size());
  kernn::RnnOutputGrads dout;
  dout.last = ones.data();
  kernn::rnn_backward(m.cfg(), m.inputs(), ws.data(), dout, {dx.data(), dk.data(), dr.data(), db.data()});
  auto fd = [&](std::vector<float>& v, size_t i) {
    const float old = v[i], eps = 1e-2f;
    v[i] = old + eps;
    const double p = m.loss();
    v[i] = old - eps;
    const double q = m.loss();
    v[i] = old;
    return (p - q) / (2 * double(eps));
  };
  for (size_t i : {size_t(0), size_t(7), size_t(31)}) CHECK_NEAR(dx[i], fd(m.x, i), 2e-3);
  for (size_t i : {size_t(1), size_t(40), size_t(95)}) CHECK_NEAR(dk[i], fd(m.k, i), 2e-3);
  for (size_t i : {size_t(2), size_t(77), size_t(143)}) CHECK_NEAR(dr[i], fd(m.r, i), 2e-3);
  for (size_t i : {size_t(0), size_t(9), size_t(23)}) CHECK_NEAR(db[i], fd(m.b, i), 2e-3);
}

TEST(results_do_not_depend_on_thread_count) {
  Lstm m;
  m.B = 23;
  m.x = random_vec(size_t(m.B * m.S * m.I), 11);
  std::vector<float> a(size_t(m.B * m.S * m.U)), b(a.size());
  const int before = kernn::get_num_threads();
  for (int nt : {1, 3}) {
    kernn::set_num_threads(nt);
    kernn::RnnOutputs out;
    out.sequence = nt == 1 ? a.data() : b.data();
    kernn::rnn_forward(m.cfg(), m.inputs(), out);
  }
  kernn::set_num_threads(before);
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == b[i]);
}

// Every cell with every option on (mask with holes, dropout masks, go_backwards, initial
// states, a lone batch row per thread, both input-product paths), forward and backward:
// finite results, identical for 1 and 2 threads (and clean under the sanitizers).
TEST(all_options_all_cells_run_and_agree_across_threads) {
  struct Case { kernn::RnnCell cell; bool reset_after; int64_t features; };
  const Case cases[] = {{kernn::RnnCell::simple, true, 17}, {kernn::RnnCell::lstm, true, 3},
                        {kernn::RnnCell::lstm, true, 17},  {kernn::RnnCell::gru, true, 17},
                        {kernn::RnnCell::gru, false, 3},   {kernn::RnnCell::gru, false, 17},
                        {kernn::RnnCell::lstm, true, 70},  {kernn::RnnCell::simple, true, 64}};
  for (const Case& k : cases) {
    kernn::RnnConfig cfg;
    cfg.cell = k.cell, cfg.reset_after = k.reset_after, cfg.go_backwards = true;
    cfg.batch = 7, cfg.steps = 6, cfg.input_size = k.features, cfg.units = 9;
    const int64_t B = 7, S = 6, I = k.features, U = 9, GU = kernn::rnn_gates(k.cell) * U;
    auto x = random_vec(size_t(B * S * I), 21), w = random_vec(size_t(I * GU), 22), r = random_vec(size_t(U * GU), 23);
    auto b = random_vec(size_t(kernn::rnn_bias_size(cfg)), 24), h0 = random_vec(size_t(B * U), 25);
    auto c0 = random_vec(size_t(B * U), 26), idm = random_vec(size_t(B * I), 27, 2.0f);
    auto rdm = random_vec(size_t(B * U), 28, 2.0f), dseq = random_vec(size_t(B * S * U), 29);
    std::vector<uint8_t> mask(size_t(B * S));
    for (size_t i = 0; i < mask.size(); ++i) mask[i] = uint8_t((i * 7 + i / 5) % 3 != 0);
    for (int64_t t = 0; t < S; ++t) mask[size_t(2 * S + t)] = 0;  // a fully masked row
    kernn::RnnInputs in;
    in.x = x.data(), in.kernel = w.data(), in.recurrent_kernel = r.data(), in.bias = b.data();
    in.h0 = h0.data(), in.c0 = c0.data(), in.mask = mask.data();
    in.input_dropout = idm.data(), in.recurrent_dropout = rdm.data();
    std::vector<float> results[2];
    for (int nt : {1, 2}) {
      const int before = kernn::get_num_threads();
      kernn::set_num_threads(nt);
      std::vector<float> ws(size_t(kernn::rnn_workspace_size(cfg))), seq(size_t(B * S * U)), h(size_t(B * U));
      std::vector<float> c(size_t(B * U)), dx(x.size()), dw(w.size()), dr(r.size()), db(b.size());
      std::vector<float> dh0(h.size()), dc0(h.size());
      kernn::RnnOutputs out{seq.data(), nullptr, h.data(), c.data()};
      kernn::rnn_forward(cfg, in, out, ws.data());
      kernn::RnnOutputGrads dout;
      dout.sequence = dseq.data();
      kernn::rnn_backward(cfg, in, ws.data(), dout, {dx.data(), dw.data(), dr.data(), db.data(), dh0.data(), dc0.data()});
      kernn::set_num_threads(before);
      for (const auto* v : {&seq, &h, &dx, &dw, &dr, &db, &dh0})
        results[nt - 1].insert(results[nt - 1].end(), v->begin(), v->end());
    }
    bool finite = true;
    for (float v : results[0]) finite = finite && std::isfinite(v);
    CHECK(finite);
    CHECK(results[0] == results[1]);
  }
}

// The bias gradient comes from the weight-gradient GEMMs' column sums of dZ (and dR) when
// they run, else from per-row sums in the loop (a frozen kernel, a C++ caller passing no
// kernel gradient): the two agree for every cell, with and without a mask, and with only
// the recurrent kernel's gradient asked for.
TEST(bias_gradient_same_with_or_without_weight_gradients) {
  struct Case { kernn::RnnCell cell; bool reset_after; };
  const Case cases[] = {{kernn::RnnCell::simple, true}, {kernn::RnnCell::lstm, true}, {kernn::RnnCell::gru, true},
                        {kernn::RnnCell::gru, false}};
  for (const Case& k : cases)
    for (int masked = 0; masked < 2; ++masked) {
      kernn::RnnConfig cfg;
      cfg.cell = k.cell, cfg.reset_after = k.reset_after;
      cfg.batch = 9, cfg.steps = 7, cfg.input_size = 5, cfg.units = 11;
      const int64_t B = 9, S = 7, I = 5, U = 11, GU = kernn::rnn_gates(k.cell) * U;
      auto x = random_vec(size_t(B * S * I), 31), w = random_vec(size_t(I * GU), 32);
      auto r = random_vec(size_t(U * GU), 33), b = random_vec(size_t(kernn::rnn_bias_size(cfg)), 34);
      auto dseq = random_vec(size_t(B * S * U), 35);
      std::vector<uint8_t> mask(size_t(B * S), 1);
      for (int64_t bi = 0; bi < B; ++bi)
        for (int64_t t = 0; t < bi % 4; ++t) mask[size_t(bi * S + t)] = 0;  // pre-padded rows
      kernn::RnnInputs in;
      in.x = x.data(), in.kernel = w.data(), in.recurrent_kernel = r.data(), in.bias = b.data();
      if (masked) in.mask = mask.data();
      std::vector<float> ws(size_t(kernn::rnn_workspace_size(cfg))), seq(size_t(B * S * U));
      kernn::RnnOutputs out{seq.data(), nullptr, nullptr, nullptr};
      kernn::rnn_forward(cfg, in, out, ws.data());
      kernn::RnnOutputGrads dout;
      dout.sequence = dseq.data();
      std::vector<float> dw(w.size()), dr(r.size()), db_all(b.size()), db_none(b.size(), 7.0f), db_rec(b.size(), 7.0f);
      kernn::rnn_backward(cfg, in, ws.data(), dout, {nullptr, dw.data(), dr.data(), db_all.data()});
      kernn::rnn_backward(cfg, in, ws.data(), dout, {nullptr, nullptr, nullptr, db_none.data()});
      kernn::rnn_backward(cfg, in, ws.data(), dout, {nullptr, nullptr, dr.data(), db_rec.data()});
      for (size_t i = 0; i < b.size(); ++i) {
        CHECK_NEAR(db_all[i], db_none[i], 1e-5);
        CHECK_NEAR(db_rec[i], db_none[i], 1e-5);
      }
    }
}

TEST(bad_arguments_throw) {
  Lstm m;
  kernn::RnnConfig c = m.cfg();
  c.units = 0;
  CHECK_THROWS(kernn::rnn_forward(c, m.inputs(), {}), "lstm: units must be >= 1");
  c = m.cfg();
  c.activation = kernn::RnnActivation(42);
  CHECK_THROWS(kernn::rnn_forward(c, m.inputs(), {}), "unknown activation code 42");
  kernn::RnnInputs in = m.inputs();
  in.recurrent_kernel = nullptr;
  CHECK_THROWS(kernn::rnn_forward(m.cfg(), in, {}), "recurrent_kernel is required");
  CHECK_THROWS(kernn::rnn_backward(m.cfg(), m.inputs(), nullptr, {}, {}), "needs the workspace");
  CHECK_THROWS(kernn::parse_rnn_activation("gelu", "activation"), "activation='gelu' is not supported");
  CHECK(kernn::parse_rnn_activation("hard_sigmoid", "a") == kernn::RnnActivation::hard_sigmoid);
}

TEST_MAIN()
