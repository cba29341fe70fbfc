// The portable GEMM driver: BLIS's five loops around the per-ISA micro-kernel.
//   jc (NC columns of B)  ->  pc (KC of k: pack B block, shared)  ->
//   work items (MC rows of A x a range of NR panels; A block packed per thread)  ->
//   jr (NR panels)  ->  ir (MR rows)  ->  micro-kernel
// Every C element is summed in the same order whatever the thread count: threads only
// decide who computes a tile, never how a tile is computed.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "core/ftz.h"
#include "core/kernel_table.h"
#include "core/parallel.h"
#include "core/workspace.h"
#include "gemm/gemm_internal.h"
#include "kernn/error.h"
#include "kernn/gemm.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

using gemm::GemmConfig;
using gemm::TileEpilogue;

struct Problem {
  int64_t m, n, k;
  float alpha;
  const float* a;
  int64_t a_rs, a_cs;
  const float* b;
  int64_t b_rs, b_cs;
  float beta;
  float* c;
  int64_t c_rs, c_cs;
  const float* bias;
  int64_t bias_stride;
  GemmActivation act;
  float* b_sums = nullptr;  // when set: b_sums[j] = sum over p of B[p, j] (sgemm_sum_b)
};

// The part of p that computes rows [i0, i1) x columns [j0, j1) of C.
Problem sub_problem(const Problem& p, int64_t i0, int64_t i1, int64_t j0, int64_t j1) {
  Problem s = p;
  s.m = i1 - i0;
  s.n = j1 - j0;
  s.a = p.a + i0 * p.a_rs;
  s.b = p.b + j0 * p.b_cs;
  s.c = p.c + i0 * p.c_rs + j0 * p.c_cs;
  if (p.bias) s.bias = p.bias + j0 * p.bias_stride;
  if (p.b_sums) s.b_sums = p.b_sums + j0;
  return s;
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The k blocks of a product: even, of at most kc (no short last block that costs a full C
// update). A function of k and the config alone, so B's column sums, taken block by block,
// add in the same order whatever the thread count.
int64_t k_block(int64_t k, int64_t kc) { return k > 0 ? ceil_div(k, ceil_div(k, kc)) : kc; }

// b_sums[j0 + j] += sum of B's column j0 + j over rows [pc, pc + kc), for j < nc, in the
// order a first row tile sums it (a transposed B, packed beforehand, or no product to run)
void add_b_sums(const Problem& p, int64_t pc, int64_t kc, int64_t j0, int64_t nc) {
  for (int64_t j = 0; j < nc; ++j) {
    const float* col = p.b + pc * p.b_rs + (j0 + j) * p.b_cs;
    float s = 0.0f;
    for (int64_t q = 0; q < kc; ++q) s += col[q * p.b_rs];
    p.b_sums[j0 + j] += s;
  }
}

// B's column sums alone, in the blocks the product would take (k == 0 or alpha == 0)
void b_sums_only(const Problem& p, const GemmConfig& cfg) {
  std::fill(p.b_sums, p.b_sums + p.n, 0.0f);
  const int64_t KC = k_block(p.k, cfg.kc);
  for (int64_t pc = 0; pc < p.k; pc += KC) add_b_sums(p, pc, std::min(KC, p.k - pc), 0, p.n);
}

bool has_epilogue(const Problem& p) { return p.bias != nullptr || p.act != GemmActivation::none; }

TileEpilogue tile_epilogue(const Problem& p, int64_t col) {
  return TileEpilogue{p.bias ? p.bias + col * p.bias_stride : nullptr, p.bias_stride, p.act};
}

// k == 0 or alpha == 0: C = epi(beta * C); A and B are not read (as in BLAS).
void scale_only(const Problem& p, const GemmConfig& cfg, int nt) {
  FlushDenormals ftz;
  const int64_t mpan = ceil_div(p.m, cfg.mr), npan = ceil_div(p.n, cfg.nr);
#pragma omp parallel num_threads(nt) if (nt > 1)
  {
    FlushDenormalsWorker worker_ftz;
#pragma omp for schedule(dynamic, dynamic_chunk(mpan * npan, nt))
    for (int64_t t = 0; t < mpan * npan; ++t) {
      const int64_t i = (t / npan) * cfg.mr, j = (t % npan) * cfg.nr;
      TileEpilogue epi = tile_epilogue(p, j);
      cfg.ukernel(0, nullptr, 1, cfg.mr, nullptr, cfg.nr, p.c + i * p.c_rs + j * p.c_cs, p.c_rs, p.c_cs,
                  std::min<int64_t>(cfg.mr, p.m - i), std::min<int64_t>(cfg.nr, p.n - j), 1.0f, p.beta,
                  has_epilogue(p) ? &epi : nullptr);
    }
  }
}

// Packing B (k x n per block; by the first row tile, as it computes) pays for itself over
// the row tiles that read the packed panels; up to this many rows reading B in place is
// cheaper, where a panel row is whole cache lines (16, 32 or 64 columns; not AVX2's 24).
// AVX-512 8x32 on Zen 5, n = k = 512, packed / in place time: one core 16 rows 1.28,
// 24 rows 1.20, 32 rows 1.05, 48 rows 1.00, 64 rows 0.95, 96 rows 0.94; two threads
// 0.94-1.01 up to 48 rows, 0.95-0.96 from 64. Further up, 128x512x784 (G6) 0.93 (one core),
// 0.91 (two), Aᵀ 160x512x1600 (R1's LSTM weight gradient) 0.97, 0.92; AVX2 level or
// faster packed on every one of these. (The in-place reads won up to 192 rows before the
// first tile packed B as it computes, in a pass of its own.)
// A 24-column panel read in place spans parts of two lines per row, and with a row stride
// of 2 KiB (G4, 512 columns) all its rows fall in 4 of L1's 64 sets: 4x24 packs from two
// row tiles on (G4, one core: 1.12x faster than in place).
constexpr int64_t kDirectBRows = 48;
constexpr int kFloatsPerLine = 16;
constexpr int64_t kSmallABlock = 4096;  // floats: 16 KiB, half of a 32 KiB L1
constexpr int64_t kSharedAtRows = 768;  // most rows of a transposed A read in place (below)

// The blocked product on one thread (BLIS's five loops): jc (NC columns) -> pc (KC of k,
// pack the B block) -> ic (MC rows, pack the A block) -> jr (NR panels) -> ir (MR rows).
// B is read in place ("direct B") when it has unit column stride and there are too few
// rows for a packed panel to pay off: kDirectBRows rows where a panel row is whole cache
// lines (G4, one LSTM step), or a single row tile. Otherwise a B with unit column stride is
// packed by the first row tile of the first row block as it computes (the micro-kernel
// stores each B row it loads), so no separate pass reads B: G4 on AVX2 1.12x, G6 1.02x faster (one core);
// a transposed B and a ragged last panel are packed beforehand. A is read in place when an
// A micro-panel would serve only one or two B panels (G8), and when threads split the
// columns (a_shared: every thread would pack the same A) and either
// - the A block is rows of unit stride within 16 KiB, half of L1: G4 on two threads, AVX2
//   23.5 -> 22.2 us, AVX-512 level at 19.4 (medians of 9 paired runs); the copy was the
//   slow part, the first thread's pack_a taking 8-10% of its time instead of 0.6% (perf) in
//   some heap layouts. One core keeps packing: in place, 32x512x128 is 1.02x and 8x512x512
//   1.03x slower;
// - or A is transposed (a weight gradient X^T dY), of at most kSharedAtRows rows, with a
//   row stride that is not a multiple of 4 KiB. On Zen 5, two threads, in place against
//   packed: AVX-512 128x512x1600 1.05x, 160x512x1600 (R1's LSTM weight gradient) 1.02x,
//   384x1024x6400 1.05x, 640^3 1.07x, 768^3 1.06x faster, 512^3 and 384x384x6400 level;
//   AVX2 1.02-1.04x faster. From 960 rows it was 1-2.5% slower, 1024^3 (4 KiB stride) 4.5%.
// A config with needs_packed_a (the scalar one) always packs.
void gemm_serial(const Problem& p, const GemmConfig& cfg, bool a_shared = false) {
  if (cfg.tail != nullptr && p.n % cfg.nr != 0) {
    // the columns past the last whole panel, plus whole panels until they divide into the
    // tail config's narrower ones (AVX2: 8 past 24s are 32, two panels of 16), run on it
    int64_t t = p.n % cfg.nr;
    while (t % cfg.tail->nr != 0 && t + cfg.nr <= p.n) t += cfg.nr;
    if (t % cfg.tail->nr == 0) {
      const int64_t j = p.n - t;
      if (j > 0) gemm_serial(sub_problem(p, 0, p.m, 0, j), cfg, a_shared);
      return gemm_serial(sub_problem(p, 0, p.m, j, p.n), *cfg.tail, a_shared);
    }
  }
  FlushDenormals ftz;
  const int MR = cfg.mr, NR = cfg.nr;
  const int64_t NC = cfg.nc;
  const int64_t KC = k_block(p.k, cfg.kc);
  int64_t n_ic = ceil_div(p.m, cfg.mc);  // even row blocks of at most cfg.mc rows
  const int64_t MC = ceil_div(ceil_div(p.m, n_ic), MR) * MR;
  n_ic = ceil_div(p.m, MC);
  const int64_t nc_max = std::min(NC, p.n), kc_max = std::min(KC, p.k);
  const bool direct_b =
      p.b_cs == 1 && (p.m <= MR || (p.m <= kDirectBRows && NR % kFloatsPerLine == 0));
  const bool copy_b = p.b_cs == 1 && !direct_b;  // full panels packed by the first row tile
  const bool small_a = p.a_cs == 1 && MC * kc_max <= kSmallABlock;
  const bool shared_at = p.a_rs == 1 && p.m <= kSharedAtRows && p.a_cs % 1024 != 0;
  const bool do_pack_a = cfg.needs_packed_a || (ceil_div(nc_max, NR) > 4 && !(a_shared && (small_a || shared_at)));
  float* bpack = workspace(WorkspaceSlot::gemm_b, size_t(kc_max) * size_t(direct_b ? NR : ceil_div(nc_max, NR) * NR));
  float* apack = do_pack_a ? workspace(WorkspaceSlot::gemm_a, size_t(MC) * size_t(kc_max)) : nullptr;
  const bool epi_on = has_epilogue(p);
  if (p.b_sums) std::fill(p.b_sums, p.b_sums + p.n, 0.0f);

  for (int64_t jc = 0; jc < p.n; jc += NC) {
    const int64_t nc = std::min(NC, p.n - jc);
    const int64_t npan = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < p.k; pc += KC) {
      const int64_t kc = std::min(KC, p.k - pc);
      const bool last = pc + kc >= p.k;
      const float beta = pc == 0 ? p.beta : 1.0f;
      const float* b_blk = p.b + pc * p.b_rs + jc * p.b_cs;
      // B's column sums: a first row tile adds up the B rows it loads; a transposed B, packed
      // beforehand, is summed here
      if (p.b_sums && !direct_b && !copy_b) add_b_sums(p, pc, kc, jc, nc);
      if (!direct_b && !copy_b) {  // a transposed B: every panel packed here
        for (int64_t q = 0; q < npan; ++q)
          gemm::pack_b(kc, std::min<int64_t>(NR, nc - q * NR), b_blk + q * NR * p.b_cs, p.b_rs, p.b_cs, NR,
                       bpack + q * kc * NR);
      } else if (nc % NR != 0) {
        // the ragged last panel is packed so all NR columns are readable: to the panel's own
        // place when the first row tile packs the others, else to the buffer's start
        const int64_t q = npan - 1;
        gemm::pack_b(kc, nc - q * NR, b_blk + q * NR, p.b_rs, 1, NR, bpack + (copy_b ? q * kc * NR : 0));
      }
      for (int64_t ic_idx = 0; ic_idx < n_ic; ++ic_idx) {
        const int64_t ic = ic_idx * MC, mc = std::min(MC, p.m - ic);
        const float* a_blk = p.a + ic * p.a_rs + pc * p.a_cs;
        if (do_pack_a) gemm::pack_a(mc, kc, a_blk, p.a_rs, p.a_cs, MR, apack);
        // the A block as the micro-kernel reads it: packed panels (MR rows, k-major, one after
        // another) or in place; a_ts is the step from one MR-row tile to the next
        const float* ap = do_pack_a ? apack : a_blk;
        const int64_t a_rs = do_pack_a ? 1 : p.a_rs, a_cs = do_pack_a ? MR : p.a_cs;
        const int64_t a_ts = do_pack_a ? MR * kc : MR * p.a_rs;
        for (int64_t q = 0; q < npan; ++q) {
          const int64_t j = jc + q * NR;
          const int64_t nr = std::min<int64_t>(NR, nc - q * NR);
          const float* bp = bpack + q * kc * NR;
          int64_t b_rs = NR;
          float* b_copy = nullptr;
          if (copy_b && ic_idx == 0 && nr == NR) {  // read in place, leave the packed panel
            b_copy = bpack + q * kc * NR;
            bp = b_blk + q * NR;
            b_rs = p.b_rs;
          }
          if (direct_b) {
            bp = nr == NR ? b_blk + q * NR : bpack;
            b_rs = nr == NR ? p.b_rs : NR;
          }
          TileEpilogue epi = tile_epilogue(p, j);
          const TileEpilogue* epi_ptr = (last && epi_on) ? &epi : nullptr;
          float* b_sums = p.b_sums && (direct_b || copy_b) && ic_idx == 0 ? p.b_sums + j : nullptr;
          cfg.rows(kc, ap, a_ts, a_rs, a_cs, bp, b_rs, p.c + ic * p.c_rs + j * p.c_cs, p.c_rs, p.c_cs, mc, nr,
                   p.alpha, beta, epi_ptr, b_copy, b_sums);
        }
      }
    }
  }
}

// Threads split C into a grid of tr x tc slices (rows in multiples of MR, columns in
// multiples of NR) and each runs gemm_serial on its slice: no barriers and no shared
// buffers, so a thread that the OS preempts delays only its own slice, and every C
// element is summed in the same order whatever the thread count. The grid is the one
// that duplicates the least packing: splitting columns makes every thread pack all of
// A (m x k; an A block of 16 KiB or less is read in place instead), splitting rows makes
// every thread pack all of B (k x n).
void run_parallel(const Problem& p, const GemmConfig& cfg, int nt) {
  const int64_t mpan = ceil_div(p.m, cfg.mr), npan = ceil_div(p.n, cfg.nr);
  int best_tr = 1, best_tc = 1;
  double best_cost = -1;
  for (int tr = 1; tr <= nt; ++tr) {
    if (nt % tr) continue;
    const int tc = nt / tr;
    if (tr > mpan || tc > npan) continue;
    // duplicated packing plus imbalance (the largest slice), in element units
    const double dup = double(tc - 1) * double(p.m) * double(p.k) + double(tr - 1) * double(p.k) * double(p.n);
    const double slice = double(ceil_div(mpan, tr) * cfg.mr) * double(ceil_div(npan, tc) * cfg.nr) * double(p.k);
    const double cost = dup + slice / 4.0;
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best_tr = tr;
      best_tc = tc;
    }
  }
  if (best_cost < 0) return gemm_serial(p, cfg);
  // One slice per thread: a finer cut (for a dynamic schedule) re-packs the operand the
  // slices share, all of B per row slice or all of A per column slice; measured 2% slower
  // on G2 and G5 on an idle machine, while the convolution and element-wise loops, which
  // share no packing, take their items dynamically (core/parallel.h).
  const int tr = best_tr, tc = best_tc;
#pragma omp parallel num_threads(tr * tc)
  {
    FlushDenormalsWorker worker_ftz;
    // loop over slices by the team actually granted (nested regions get fewer threads)
    const int team = omp_get_num_threads();
    for (int slice = omp_get_thread_num(); slice < tr * tc; slice += team) {
    const int r = slice / tc, c = slice % tc;
    const int64_t i0 = mpan * r / tr * cfg.mr, i1 = std::min(p.m, mpan * (r + 1) / tr * cfg.mr);
    // columns in whole panels, or in the tail config's narrower ones where a slice may end
    // in them (AVX2's 4x24: G4's 512 columns as 256 + 256, not 264 + 248)
    const int64_t cu = cfg.tail ? cfg.tail->nr : cfg.nr, nu = ceil_div(p.n, cu);
    const int64_t j0 = nu * c / tc * cu, j1 = std::min(p.n, nu * (c + 1) / tc * cu);
    if (i0 < i1 && j0 < j1) {
      Problem s = sub_problem(p, i0, i1, j0, j1);
      if (r > 0) s.b_sums = nullptr;  // the first row slice sums B's columns
      gemm_serial(s, cfg, tc > 1);
    }
    }
  }
}

// Threads worth using: tiny products run on the calling thread.
int threads_for(const Problem& p) {
  const double flops = 2.0 * double(p.m) * double(p.n) * double(p.k);
  if (omp_in_parallel()) return 1;  // called from a caller's parallel region: stay on this thread
  int nt = get_num_threads();
  // below ~2 MFLOP (about 20 us on one core) waking a second thread costs more than it
  // saves, and far more when another process holds the other core
  if (flops < 2.0e6) return 1;
  const int64_t useful = std::max<int64_t>(1, int64_t(flops / 1.0e5));
  return int(std::min<int64_t>(nt, useful));
}

void run(const Problem& p, int nt) {
  if (p.n == 0) return;
  const KernelTable& kt = kernel_table();
  const bool wide = p.n > kt.gemm_wide_above;
  const GemmConfig& cfg = wide && kt.gemm_few_rows && p.m <= kt.gemm_few_rows_max ? *kt.gemm_few_rows
                          : wide                                                ? *kt.gemm_wide
                          : p.n <= kt.gemm_narrow->nr                           ? *kt.gemm_narrow
                                                                                : *kt.gemm;
  if (p.m == 0 || p.k == 0 || p.alpha == 0.0f) {  // no product to run: B's column sums alone, C scaled
    if (p.b_sums) b_sums_only(p, cfg);
    return scale_only(p, cfg, nt);
  }
  if (nt <= 1) return gemm_serial(p, cfg);
  run_parallel(p, cfg, nt);
}

void check_sizes(const char* fn, int64_t m, int64_t n, int64_t k) {
  KERNN_CHECK(m >= 0, fn, ": m must be >= 0. Received: m=", m);
  KERNN_CHECK(n >= 0, fn, ": n must be >= 0. Received: n=", n);
  KERNN_CHECK(k >= 0, fn, ": k must be >= 0. Received: k=", k);
}

void check_pointers(const char* fn, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    const float* b, const float* c) {
  if (m > 0 && n > 0) KERNN_CHECK(c != nullptr, fn, ": c is null but the output is ", m, "x", n);
  if (m > 0 && n > 0 && k > 0 && alpha != 0.0f) {
    KERNN_CHECK(a != nullptr, fn, ": a is null but op(A) is ", m, "x", k);
    KERNN_CHECK(b != nullptr, fn, ": b is null but op(B) is ", k, "x", n);
  }
}

}  // namespace

void sgemm_strided(int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t a_rs,
                   int64_t a_cs, const float* b, int64_t b_rs, int64_t b_cs, float beta, float* c,
                   int64_t c_rs, int64_t c_cs, const GemmEpilogue& ep) {
  check_sizes("sgemm_strided", m, n, k);
  check_pointers("sgemm_strided", m, n, k, alpha, a, b, c);
  KERNN_CHECK(m <= 1 || c_rs != 0, "sgemm_strided: c_rs=0 would write ", m, " rows to one place");
  KERNN_CHECK(n <= 1 || c_cs != 0, "sgemm_strided: c_cs=0 would write ", n, " columns to one place");
  Problem p{m, n, k, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs, ep.bias, ep.bias_stride, ep.activation};
  run(p, threads_for(p));
}

namespace {

void sgemm_impl(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const GemmEpilogue& ep,
                float* b_sums) {
  check_sizes("sgemm", m, n, k);
  const bool ta = trans_a == Trans::yes, tb = trans_b == Trans::yes;
  const int64_t a_cols = ta ? m : k, b_cols = tb ? k : n;
  KERNN_CHECK(lda >= std::max<int64_t>(1, a_cols), "sgemm: lda=", lda, " must be >= ",
              std::max<int64_t>(1, a_cols), " (the columns of A as stored, ", ta ? m : k, ")");
  KERNN_CHECK(ldb >= std::max<int64_t>(1, b_cols), "sgemm: ldb=", ldb, " must be >= ",
              std::max<int64_t>(1, b_cols), " (the columns of B as stored, ", b_cols, ")");
  KERNN_CHECK(ldc >= std::max<int64_t>(1, n), "sgemm: ldc=", ldc, " must be >= ", std::max<int64_t>(1, n),
              " (the columns of C)");
  check_pointers("sgemm", m, n, k, alpha, a, b, c);
  Problem p{m, n, k, alpha, a, ta ? 1 : lda, ta ? lda : 1, b, tb ? 1 : ldb, tb ? ldb : 1,
            beta, c, ldc, 1, ep.bias, ep.bias_stride, ep.activation, b_sums};
  run(p, threads_for(p));
}

}  // namespace

void sgemm(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc,
           const GemmEpilogue& ep) {
  sgemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep, nullptr);
}

namespace gemm {

void sgemm_sum_b(Trans trans_a, Trans trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, float* b_sums) {
  KERNN_CHECK(b != nullptr || n == 0 || k == 0, "sgemm_sum_b: b is null but op(B) is ", k, "x", n);
  sgemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, GemmEpilogue{}, b_sums);
}

}  // namespace gemm

void sgemm_batched(int64_t batch, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t a_bs, int64_t a_rs, int64_t a_cs, const float* b, int64_t b_bs, int64_t b_rs,
                   int64_t b_cs, float beta, float* c, int64_t c_bs, int64_t c_rs, int64_t c_cs,
                   const GemmEpilogue& ep) {
  KERNN_CHECK(batch >= 0, "sgemm_batched: batch must be >= 0. Received: batch=", batch);
  check_sizes("sgemm_batched", m, n, k);
  check_pointers("sgemm_batched", m, n, k, alpha, a, b, c);
  if (batch == 0 || m == 0 || n == 0) return;
  Problem p{m, n, k, alpha, a, a_rs, a_cs, b, b_rs, b_cs, beta, c, c_rs, c_cs, ep.bias, ep.bias_stride, ep.activation};
  const int nt = get_num_threads();
  const double flops = 2.0 * double(m) * double(n) * double(k);
  if (batch > 1 && nt > 1 && flops < 8.0e6) {
    // many small products: one per thread at a time, each single-threaded
    parallel_for(batch, true, [&](int64_t t) {
      Problem q = p;
      q.a += t * a_bs;
      q.b += t * b_bs;
      q.c += t * c_bs;
      run(q, 1);
    });
    return;
  }
  for (int64_t t = 0; t < batch; ++t) {
    Problem q = p;
    q.a += t * a_bs;
    q.b += t * b_bs;
    q.c += t * c_bs;
    run(q, threads_for(q));
  }
}

}  // namespace kernn
