// GEMM driver and micro-kernels against a double-precision loop, without Python.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "gemm/gemm_internal.h"
#include "core/kernel_table.h"
#include "kernn/kernn.h"
#include "test_util.h"

namespace {

using kernn::GemmActivation;
using kernn::Trans;

// every GEMM config of the active ISA's kernel table (those the ISA has: few-rows and tall
// are AVX-512 only)
std::vector<const kernn::gemm::GemmConfig*> active_configs() {
  const auto& kt = kernn::kernel_table();
  std::vector<const kernn::gemm::GemmConfig*> out;
  for (const kernn::gemm::GemmConfig* cp : {kt.gemm, kt.gemm_wide, kt.gemm_narrow, kt.gemm_few_rows, kt.gemm_tall})
    if (cp) out.push_back(cp);
  return out;
}

std::vector<float> random_vec(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(gen);
  return v;
}

double act_ref(double x, GemmActivation act) {
  switch (act) {
    case GemmActivation::relu: return x > 0 ? x : 0;
    case GemmActivation::sigmoid: return 1 / (1 + std::exp(-x));
    case GemmActivation::tanh: return std::tanh(x);
    default: return x;
  }
}

// C = act(alpha op(A) op(B) + beta C + bias) in double, over strided operands
void ref_gemm(int64_t m, int64_t n, int64_t k, double alpha, const float* a, int64_t a_rs, int64_t a_cs,
              const float* b, int64_t b_rs, int64_t b_cs, double beta, std::vector<double>& c,
              const float* c0, int64_t c_rs, int64_t c_cs, const float* bias, GemmActivation act) {
  c.assign(size_t(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += double(a[i * a_rs + p * a_cs]) * double(b[p * b_rs + j * b_cs]);
      double v = alpha * s + (beta != 0 ? beta * c0[i * c_rs + j * c_cs] : 0.0) + (bias ? bias[j] : 0.0);
      c[size_t(i * n + j)] = act_ref(v, act);
    }
}

bool run_case(int64_t m, int64_t n, int64_t k, bool ta, bool tb, float alpha, float beta, bool with_bias,
              GemmActivation act, int64_t pad) {
  const int64_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
  auto a = random_vec(size_t((ta ? k : m) * lda + 1), 1);
  auto b = random_vec(size_t((tb ? n : k) * ldb + 1), 2);
  auto c = random_vec(size_t(m * ldc + 1), 3);
  auto bias = random_vec(size_t(n + 1), 4);
  std::vector<float> c0 = c;
  kernn::GemmEpilogue ep;
  ep.bias = with_bias ? bias.data() : nullptr;
  ep.activation = act;
  kernn::sgemm(ta ? Trans::yes : Trans::no, tb ? Trans::yes : Trans::no, m, n, k, alpha, a.data(), lda,
               b.data(), ldb, beta, c.data(), ldc, ep);
  std::vector<double> ref;
  ref_gemm(m, n, k, alpha, a.data(), ta ? 1 : lda, ta ? lda : 1, b.data(), tb ? 1 : ldb, tb ? ldb : 1, beta,
           ref, c0.data(), ldc, 1, ep.bias, act);
  double tol = 1e-5 * (double(k) + 4);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double got = c[size_t(i * ldc + j)], want = ref[size_t(i * n + j)];
      if (!(std::fabs(got - want) <= tol * (1 + std::fabs(want)))) {
        std::printf("  m=%lld n=%lld k=%lld ta=%d tb=%d C[%lld,%lld]=%g want %g\n", (long long)m, (long long)n,
                    (long long)k, ta, tb, (long long)i, (long long)j, got, want);
        return false;
      }
    }
    for (int64_t j = n; j < ldc; ++j)  // padding columns untouched
      if (c[size_t(i * ldc + j)] != c0[size_t(i * ldc + j)]) return false;
  }
  return true;
}

}  // namespace

TEST(gemm_shape_sweep) {
  const int64_t sizes[] = {1, 2, 3, 7, 16, 17, 31, 64, 65, 129};
  int count = 0;
  for (int64_t m : sizes)
    for (int64_t n : sizes)
      for (int64_t k : sizes) {
        if ((m * 7 + n * 3 + k) % 5 != 0 && !(m == 1 || n == 1 || k == 1)) continue;  // a sample
        const bool ta = (m + k) % 2, tb = (n + k) % 3 == 0;
        CHECK(run_case(m, n, k, ta, tb, 1.0f, 0.0f, false, GemmActivation::none, 0));
        ++count;
      }
  CHECK(count > 100);
}

TEST(gemm_transposes_alpha_beta_padding) {
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      CHECK(run_case(67, 45, 300, ta, tb, 0.5f, 0.0f, false, GemmActivation::none, 3));
      CHECK(run_case(13, 70, 513, ta, tb, -1.5f, 0.75f, false, GemmActivation::none, 1));
      CHECK(run_case(300, 200, 100, ta, tb, 1.0f, 1.0f, false, GemmActivation::none, 0));
    }
}

TEST(gemm_epilogue_bias_activations) {
  for (auto act : {GemmActivation::none, GemmActivation::relu, GemmActivation::sigmoid, GemmActivation::tanh}) {
    CHECK(run_case(37, 53, 29, false, false, 1.0f, 0.0f, true, act, 2));
    CHECK(run_case(6, 32, 600, false, true, 0.7f, 0.3f, true, act, 0));  // several k blocks: epilogue once
  }
}

TEST(gemm_small_m_reads_b_in_place) {
  // few rows: B is read in place (direct) or packed by the first row tile, with a ragged
  // last panel; several k blocks
  for (int64_t m : {1, 5, 6, 32, 48})
    for (int64_t n : {1, 31, 512, 515}) CHECK(run_case(m, n, 700, false, false, 1.0f, 0.5f, true, GemmActivation::tanh, 1));
}

TEST(gemm_k_zero_scales_c) {
  std::vector<float> c = {1, 2, 3, 4, 5, 6}, bias = {10, 20, 30};
  kernn::GemmEpilogue ep;
  ep.bias = bias.data();
  kernn::sgemm(Trans::no, Trans::no, 2, 3, 0, 1.0f, nullptr, 1, nullptr, 3, 2.0f, c.data(), 3, ep);
  const float want[] = {12, 24, 36, 18, 30, 42};
  for (int i = 0; i < 6; ++i) CHECK_NEAR(c[i], want[i], 1e-6);
}

TEST(gemm_beta_zero_ignores_nan_in_c) {
  auto a = random_vec(40 * 50, 5), b = random_vec(50 * 30, 6);
  std::vector<float> c(40 * 30, std::numeric_limits<float>::quiet_NaN());
  kernn::sgemm(Trans::no, Trans::no, 40, 30, 50, 1.0f, a.data(), 50, b.data(), 30, 0.0f, c.data(), 30);
  for (float x : c) CHECK(std::isfinite(x));
}

TEST(gemm_general_strides) {
  // A and C with no unit stride, B read backwards (negative stride)
  const int64_t m = 19, n = 23, k = 41;
  auto a = random_vec(size_t(m * k * 2), 7), b = random_vec(size_t(k * n), 8);
  std::vector<float> c(size_t(m * n * 3), 0.0f);
  const float* b_last_row = b.data() + (k - 1) * n;
  kernn::sgemm_strided(m, n, k, 1.0f, a.data(), 2, 2 * m, b_last_row, -n, 1, 0.0f, c.data(), 1, 3 * m);
  std::vector<double> ref;
  ref_gemm(m, n, k, 1.0, a.data(), 2, 2 * m, b_last_row, -n, 1, 0.0, ref, nullptr, 0, 0, nullptr,
           GemmActivation::none);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) CHECK_NEAR(c[size_t(i + j * 3 * m)], ref[size_t(i * n + j)], 1e-4);
}

TEST(gemm_same_bits_for_any_thread_count) {
  // 512 and 184 columns end in tail panels (AVX2), which each thread's slice then has its own
  const int64_t shapes[][3] = {{333, 275, 600}, {32, 512, 128}, {70, 184, 300}};
  for (const auto& s : shapes) {
    const int64_t m = s[0], n = s[1], k = s[2];
    auto a = random_vec(size_t(m * k), 9), b = random_vec(size_t(k * n), 10);
    std::vector<float> c1(size_t(m * n)), c2(size_t(m * n)), c3(size_t(m * n));
    const int saved = kernn::get_num_threads();
    kernn::set_num_threads(1);
    kernn::sgemm(Trans::no, Trans::no, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c1.data(), n);
    kernn::set_num_threads(2);
    kernn::sgemm(Trans::no, Trans::no, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c2.data(), n);
    kernn::set_num_threads(3);
    kernn::sgemm(Trans::no, Trans::no, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, c3.data(), n);
    kernn::set_num_threads(saved);
    CHECK(std::memcmp(c1.data(), c2.data(), c1.size() * 4) == 0);
    CHECK(std::memcmp(c1.data(), c3.data(), c1.size() * 4) == 0);
  }
}

TEST(gemm_tail_configs_sum_in_the_same_order) {
  // a tail config takes over a product's last columns: same k blocks (else a column's value
  // would depend on which slice it fell in) and narrower panels that can end a slice
  for (const kernn::gemm::GemmConfig* cp : active_configs()) {
    if (!cp->tail) continue;
    CHECK(cp->tail->kc == cp->kc);
    CHECK(cp->tail->nr < cp->nr);
    CHECK(cp->tail->tail == nullptr);
  }
}

TEST(gemm_inside_a_parallel_region_computes_every_slice) {
  const int64_t m = 200, n = 300, k = 50;
  auto a = random_vec(size_t(m * k), 15), b = random_vec(size_t(k * n), 16);
  std::vector<float> want(size_t(m * n)), got(size_t(m * n), -1.0f);
  kernn::sgemm(Trans::no, Trans::no, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, want.data(), n);
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    kernn::sgemm(Trans::no, Trans::no, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f, got.data(), n);
  }
  CHECK(std::memcmp(want.data(), got.data(), want.size() * 4) == 0);
}

TEST(gemm_batched_matches_single) {
  const int64_t batch = 5, m = 9, n = 33, k = 17;
  auto a = random_vec(size_t(batch * m * k), 11), b = random_vec(size_t(k * n), 12);
  std::vector<float> c(size_t(batch * m * n)), c1(size_t(m * n));
  kernn::sgemm_batched(batch, m, n, k, 1.0f, a.data(), m * k, k, 1, b.data(), 0, n, 1, 0.0f, c.data(), m * n, n, 1);
  for (int64_t t = 0; t < batch; ++t) {
    kernn::sgemm(Trans::no, Trans::no, m, n, k, 1.0f, a.data() + t * m * k, k, b.data(), n, 0.0f, c1.data(), n);
    CHECK(std::memcmp(c1.data(), c.data() + t * m * n, c1.size() * 4) == 0);
  }
}

TEST(gemm_bad_arguments_throw) {
  float x[16] = {};
  CHECK_THROWS(kernn::sgemm(Trans::no, Trans::no, -1, 2, 2, 1.0f, x, 2, x, 2, 0.0f, x, 2), "m must be >= 0");
  CHECK_THROWS(kernn::sgemm(Trans::no, Trans::no, 2, 2, 4, 1.0f, x, 3, x, 2, 0.0f, x, 2), "lda=3");
  CHECK_THROWS(kernn::sgemm(Trans::no, Trans::yes, 2, 2, 4, 1.0f, x, 4, x, 3, 0.0f, x, 2), "ldb=3");
  CHECK_THROWS(kernn::sgemm(Trans::no, Trans::no, 2, 5, 2, 1.0f, x, 2, x, 5, 0.0f, x, 4), "ldc=4");
  CHECK_THROWS(kernn::sgemm(Trans::no, Trans::no, 2, 2, 2, 1.0f, nullptr, 2, x, 2, 0.0f, x, 2), "a is null");
}

TEST(gemm_index_math_is_64_bit) {
  // (70000, 70000) in a 70000 x 70000 matrix lies past 2^32 elements
  const int64_t i = 69999, j = 69999, ld = 70000;
  CHECK(kernn::detail::offset2d(i, j, ld, 1) == int64_t(69999) * 70000 + 69999);
  CHECK(kernn::detail::offset2d(i, j, ld, 1) > (int64_t(1) << 32));
  CHECK(kernn::detail::offset2d(j, i, 1, ld) == kernn::detail::offset2d(i, j, ld, 1));
}

TEST(ukernel_edges_direct) {
  // call each micro-kernel of the active ISA on a partial tile with unpacked A and strided C
  for (const kernn::gemm::GemmConfig* cp : active_configs()) {
    const auto& cfg = *cp;
    const int64_t k = 5, m = cfg.mr - 1, n = cfg.nr - 3;
    auto a = random_vec(size_t(cfg.mr * k), 13);
    std::vector<float> bp(size_t(k * cfg.nr), 0.0f);
    auto b = random_vec(size_t(k * n), 14);
    kernn::gemm::pack_b(k, n, b.data(), n, 1, cfg.nr, bp.data());
    std::vector<float> c(size_t(m * n * 2), -7.0f);
    cfg.ukernel(k, a.data(), k, 1, bp.data(), cfg.nr, c.data(), 1, 2 * m, m, n, 2.0f, 0.0f, nullptr);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) s += double(a[size_t(i * k + p)]) * b[size_t(p * n + j)];
        CHECK_NEAR(c[size_t(i + j * 2 * m)], 2 * s, 1e-5);
      }
    CHECK(c[size_t(m)] == -7.0f);  // gap between strided rows untouched
  }
}

TEST(rows_first_tile_packs_b) {
  // the ir loop with b_copy: the first row tile reads B in place (row stride ldb) and leaves
  // the k x NR panel in b_copy, the other tiles read that copy; A packed and in place, row
  // counts from a half tile to two tiles and a ragged one, alpha/beta and a bias epilogue
  for (const kernn::gemm::GemmConfig* cp : active_configs()) {
    const auto& cfg = *cp;
    const int64_t k = 37, ldb = cfg.nr + 5, ldc = cfg.nr + 3, nr = cfg.nr;
    for (int64_t m : {int64_t(1), int64_t(cfg.mr), int64_t(2 * cfg.mr + 1)})
      for (int packed = 0; packed < 2; ++packed) {
        const int64_t mp = (m + cfg.mr - 1) / cfg.mr * cfg.mr;
        auto a = random_vec(size_t(mp * k), 21);
        auto b = random_vec(size_t(k * ldb), 22);
        auto bias = random_vec(size_t(nr), 23);
        std::vector<float> ap(size_t(mp * k));
        kernn::gemm::pack_a(m, k, a.data(), k, 1, cfg.mr, ap.data());
        std::vector<float> copy(size_t(k * nr), -1.0f);
        auto c0 = random_vec(size_t(m * ldc), 24);
        std::vector<float> c = c0;
        const kernn::gemm::TileEpilogue epi{bias.data(), 1, GemmActivation::none};
        if (packed)
          cfg.rows(k, ap.data(), cfg.mr * k, 1, cfg.mr, b.data(), ldb, c.data(), ldc, 1, m, nr, 1.5f, 0.5f, &epi,
                   copy.data(), nullptr);
        else
          cfg.rows(k, a.data(), cfg.mr * k, k, 1, b.data(), ldb, c.data(), ldc, 1, m, nr, 1.5f, 0.5f, &epi,
                   copy.data(), nullptr);
        for (int64_t p = 0; p < k; ++p)
          for (int64_t j = 0; j < nr; ++j) CHECK(copy[size_t(p * nr + j)] == b[size_t(p * ldb + j)]);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < nr; ++j) {
            double s = 0;
            for (int64_t p = 0; p < k; ++p) s += double(a[size_t(i * k + p)]) * b[size_t(p * ldb + j)];
            CHECK_NEAR(c[size_t(i * ldc + j)], 1.5 * s + 0.5 * c0[size_t(i * ldc + j)] + bias[size_t(j)], 1e-4);
          }
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = nr; j < ldc; ++j) CHECK(c[size_t(i * ldc + j)] == c0[size_t(i * ldc + j)]);
      }
  }
}

TEST(rows_first_tile_sums_b_columns) {
  // the ir loop with b_sums: the first row tile adds each of B's n columns, summed over k, to
  // b_sums (which keeps what it held: the driver's running sum over k blocks), alone or while
  // it packs the panel; the product is unchanged and nothing past column n is written
  for (const kernn::gemm::GemmConfig* cp : active_configs()) {
    const auto& cfg = *cp;
    const int64_t k = 41, ldb = cfg.nr + 5, ldc = cfg.nr + 3;
    for (int copy = 0; copy < 2; ++copy)
    for (int64_t n : {int64_t(cfg.nr), int64_t(cfg.nr - 3)})
      for (int64_t m : {int64_t(1), int64_t(cfg.mr), int64_t(2 * cfg.mr + 1)}) {
        if (copy && n != cfg.nr) continue;  // a packed copy is of whole panels
        auto a = random_vec(size_t(m * k), 31);
        auto b = random_vec(size_t(k * ldb), 32);
        auto c0 = random_vec(size_t(m * ldc), 33);
        std::vector<float> c = c0, sums(size_t(cfg.nr) + 1, 0.25f), packed(size_t(k * cfg.nr), -1.0f);
        cfg.rows(k, a.data(), cfg.mr * k, k, 1, b.data(), ldb, c.data(), ldc, 1, m, n, 1.0f, 1.0f, nullptr,
                 copy ? packed.data() : nullptr, sums.data());
        if (copy)
          for (int64_t p = 0; p < k; ++p)
            for (int64_t j = 0; j < n; ++j) CHECK(packed[size_t(p * n + j)] == b[size_t(p * ldb + j)]);
        for (int64_t j = 0; j < n; ++j) {
          double s = 0.25;
          for (int64_t p = 0; p < k; ++p) s += b[size_t(p * ldb + j)];
          CHECK_NEAR(sums[size_t(j)], s, 1e-5);
        }
        for (int64_t j = n; j <= cfg.nr; ++j) CHECK(sums[size_t(j)] == 0.25f);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            double s = c0[size_t(i * ldc + j)];
            for (int64_t p = 0; p < k; ++p) s += double(a[size_t(i * k + p)]) * b[size_t(p * ldb + j)];
            CHECK_NEAR(c[size_t(i * ldc + j)], s, 1e-4);
          }
      }
  }
}

TEST(sgemm_sum_b_gives_the_product_and_column_sums) {
  // B read in place (few rows of C: the sums come from the tiles) and packed (many rows, or
  // B transposed: the driver sums them), k in one and several blocks, ragged panels; the
  // product is sgemm's to the bit and the sums the same for any thread count
  const int64_t shapes[][3] = {{160, 512, 1600}, {7, 37, 300}, {200, 96, 50}, {33, 45, 1}, {9, 20, 0}, {0, 20, 9}};
  for (const auto& s : shapes)
    for (int tb = 0; tb < 2; ++tb) {
      const int64_t m = s[0], n = s[1], k = s[2];
      const int64_t ldb = tb ? k + 1 : n + 2;
      auto a = random_vec(size_t(k * m + 1), 41), b = random_vec(size_t((tb ? n : k) * ldb + 1), 42);
      std::vector<float> want(size_t(m * n + 1)), got(size_t(m * n + 1)), s1(size_t(n + 1), 9.0f);
      kernn::sgemm(Trans::yes, tb ? Trans::yes : Trans::no, m, n, k, 1.0f, a.data(), std::max<int64_t>(m, 1),
                   b.data(), ldb, 0.0f, want.data(), std::max<int64_t>(n, 1));
      const int saved = kernn::get_num_threads();
      std::vector<float> first;
      for (int nt : {1, 2, 3}) {
        kernn::set_num_threads(nt);
        std::fill(s1.begin(), s1.end(), 9.0f);
        kernn::gemm::sgemm_sum_b(Trans::yes, tb ? Trans::yes : Trans::no, m, n, k, 1.0f, a.data(),
                                 std::max<int64_t>(m, 1), b.data(), ldb, 0.0f, got.data(), std::max<int64_t>(n, 1),
                                 s1.data());
        CHECK(std::memcmp(want.data(), got.data(), size_t(m * n) * 4) == 0);
        for (int64_t j = 0; j < n; ++j) {
          double ref = 0;
          for (int64_t p = 0; p < k; ++p) ref += b[size_t(tb ? j * ldb + p : p * ldb + j)];
          CHECK_NEAR(s1[size_t(j)], ref, 1e-5 * (double(k) + 1));
        }
        CHECK(s1[size_t(n)] == 9.0f);
        if (first.empty()) first = s1;
        CHECK(std::memcmp(first.data(), s1.data(), s1.size() * 4) == 0);
      }
      kernn::set_num_threads(saved);
    }
}

TEST_MAIN()
