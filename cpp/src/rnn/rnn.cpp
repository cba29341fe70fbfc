// The recurrent driver shared by SimpleRNN, LSTM and GRU: checks, the input projection
// of all steps (one GEMM), the time loop and backward through time.
//
// Threads split the batch rows: rows of a batch never interact, so each group of rows runs
// the whole time loop with no barrier (threads take the groups dynamically, row_groups),
// calling the GEMM micro-kernel directly on the recurrent kernel packed once per call (and
// the input kernel, when the input product of each step runs in the loop too), then the
// fused gate kernel of each row while the tile is in cache. Every row is computed the same
// way whatever the thread count or the group it falls in.
//
// Workspace layout (floats), every array (batch, steps, width), indexed by INPUT step t:
//   Z   G*u  gate activations (forward) of step t
//   Hs  u    state h after step t (masked steps repeat the previous state)
//   XH  I+U  [x_t * input dropout, recurrent input h_prev * recurrent dropout] of step t:
//            the inputs of step t's product side by side, so that [W; U] is one product
//            and [XH]^T dZ gives the kernel and recurrent kernel gradients in one GEMM
//   LSTM: Cs u (carry after step t), Ac u (act(c) of step t)
//   GRU:  Rh u (reset_after: U_h hin + b_rh; reset before: r * hin)
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <vector>

#include "core/ftz.h"
#include "core/parallel.h"
#include "core/kernel_table.h"
#include "core/workspace.h"
#include "gemm/gemm_internal.h"
#include "kernn/error.h"
#include "kernn/gemm.h"
#include "kernn/rnn.h"
#include "kernn/threading.h"
#include "rnn/rnn_internal.h"

namespace kernn {
namespace {

using gemm::GemmConfig;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

const char* cell_name(RnnCell c) {
  switch (c) {
    case RnnCell::simple: return "simple_rnn";
    case RnnCell::lstm: return "lstm";
    default: return "gru";
  }
}

struct Layout {
  int64_t B, S, I, U, G, GU, XW;  // XW = I + U, the row width of XH
  int64_t z, hs, xh, cs, ac, rh, total;  // offsets of the workspace arrays
};

Layout layout(const RnnConfig& cfg) {
  Layout l{};
  l.B = cfg.batch, l.S = cfg.steps, l.I = cfg.input_size, l.U = cfg.units;
  l.G = rnn_gates(cfg.cell), l.GU = l.G * l.U, l.XW = l.I + l.U;
  const int64_t rows = l.B * l.S;
  int64_t off = 0;
  // each array starts a whole number of 64-byte lines in
  auto next = [&](int64_t floats) {
    const int64_t at = off;
    off = (off + floats + 15) / 16 * 16;
    return at;
  };
  l.z = next(rows * l.GU);
  l.hs = next(rows * l.U);
  l.xh = next(rows * l.XW);
  l.cs = l.ac = l.rh = -1;
  if (cfg.cell == RnnCell::lstm) l.cs = next(rows * l.U), l.ac = next(rows * l.U);
  if (cfg.cell == RnnCell::gru) l.rh = next(rows * l.U);
  l.total = off;
  return l;
}

void check(const RnnConfig& cfg, const RnnInputs& in) {
  const char* fn = cell_name(cfg.cell);
  KERNN_CHECK(cfg.cell == RnnCell::simple || cfg.cell == RnnCell::lstm || cfg.cell == RnnCell::gru,
              "rnn: unknown cell code ", int(cfg.cell));
  KERNN_CHECK(cfg.batch >= 0, fn, ": batch must be >= 0. Received: batch=", cfg.batch);
  KERNN_CHECK(cfg.steps >= 0, fn, ": steps must be >= 0. Received: steps=", cfg.steps);
  KERNN_CHECK(cfg.input_size >= 0, fn, ": input_size must be >= 0. Received: input_size=", cfg.input_size);
  KERNN_CHECK(cfg.units >= 1, fn, ": units must be >= 1. Received: units=", cfg.units);
  for (RnnActivation a : {cfg.activation, cfg.recurrent_activation})
    KERNN_CHECK(int(a) >= 0 && int(a) <= int(RnnActivation::relu6), fn, ": unknown activation code ", int(a));
  if (cfg.batch > 0 && cfg.steps > 0 && cfg.input_size > 0)
    KERNN_CHECK(in.x && in.kernel, fn, ": x and kernel are required");
  KERNN_CHECK(in.recurrent_kernel, fn, ": recurrent_kernel is required");
}

// A B operand packed into the micro-kernel's NR-column panels, k x n, in k chunks when k is
// very deep (so a panel chunk stays in cache while the row tiles stream by):
// chunk c starts at p + c * kc * npan * NR and holds min(kc, k - c * kc) rows.
struct Packed {
  const float* p;
  int64_t k, n, kc, npan;
};

// The weights a B operand is taken from: rows of ld floats, the first top_rows from `top`,
// the rest from `bottom`, so the stacked [W; U] of the LSTM and SimpleRNN products is packed
// from the two arrays as they are, with no copy putting them side by side first.
struct Stacked {
  const float* top;
  int64_t top_rows;
  const float* bottom;
  int64_t ld;
  const float* row(int64_t r) const { return r < top_rows ? top + r * ld : bottom + (r - top_rows) * ld; }
};

Stacked single(const float* w, int64_t ld) { return {w, INT64_MAX, nullptr, ld}; }

// B = w (k x n, its first n columns) or, `transposed`, w^T (B(p, j) = row j of w at column p),
// packed by the threads a panel at a time: a serial pack of R1 LSTM's 160 x 512 weights took
// 1% of a forward + backward.
Packed pack(const GemmConfig& cfg, int64_t k, int64_t n, const Stacked& w, bool transposed, float*& buf) {
  // (measured on R2: chunks of KC did not pay for the extra pass over C, so only very deep k is split)
  const int64_t chunks = std::max<int64_t>(1, ceil_div(k, 4 * int64_t(cfg.kc)));
  const int64_t NR = cfg.nr;
  Packed p{buf, k, n, std::max<int64_t>(1, ceil_div(k, chunks)), ceil_div(n, NR)};
  float* dst0 = buf;
  parallel_for(chunks * p.npan, k * n >= 32768, [&](int64_t item) {
    const int64_t p0 = item / p.npan * p.kc, kc = std::min(p.kc, k - p0);
    const int64_t j0 = item % p.npan * NR, nr = std::min(NR, n - j0);
    float* dst = dst0 + p0 * p.npan * NR + j0 * kc;
    if (!transposed) {  // rows p0.. of the panel, the top array's part first
      const int64_t kt = std::clamp<int64_t>(w.top_rows - p0, 0, kc);
      if (kt > 0) gemm::pack_b(kt, nr, w.row(p0) + j0, w.ld, 1, cfg.nr, dst);
      if (kc > kt) gemm::pack_b(kc - kt, nr, w.row(p0 + kt) + j0, w.ld, 1, cfg.nr, dst + kt * NR);
    } else if (j0 + nr <= w.top_rows || j0 >= w.top_rows) {  // columns from one array
      gemm::pack_b(kc, nr, w.row(j0) + p0, 1, w.ld, cfg.nr, dst);
    } else {  // the one panel whose columns start in top and end in bottom
      for (int64_t q = 0; q < kc; ++q)
        for (int64_t j = 0; j < NR; ++j) dst[q * NR + j] = j < nr ? w.row(j0 + j)[p0 + q] : 0.0f;
    }
  });
  buf += k * p.npan * NR;
  return p;
}

int64_t packed_size(const GemmConfig& cfg, int64_t k, int64_t n) { return k * ceil_div(n, cfg.nr) * cfg.nr; }

// C (m x B.n, row stride c_rs) = A (m x B.k, row stride a_rs) B + beta C (+ bias), one thread.
// With `active` (one flag per row, act_rs apart), a tile of MR rows none of which is active
// (all masked at this step) is skipped: its C rows are left as they were.
// With k_used >= 0, only B's first k_used rows (and A's first k_used columns) take part.
void rows_gemm(const GemmConfig& cfg, const Packed& b, int64_t m, const float* a, int64_t a_rs, float* c,
               int64_t c_rs, float beta, const float* bias, const uint8_t* active = nullptr,
               int64_t act_rs = 0, int64_t k_used = -1) {
  auto tile_active = [&](int64_t i, int64_t mr) {
    if (!active) return true;
    for (int64_t r = 0; r < mr; ++r)
      if (active[(i + r) * act_rs]) return true;
    return false;
  };
  const auto gemv = kernel_table().rnn->gemv_packed;
  const int64_t k = k_used < 0 ? b.k : std::min(k_used, b.k);
  for (int64_t pc = 0; pc < k; pc += b.kc) {
    const int64_t depth = std::min(b.kc, b.k - pc);  // of this chunk's panels (their stride)
    const int64_t kc = std::min(depth, k - pc);
    const bool last = pc + kc >= k;
    const float bt = pc == 0 ? beta : 1.0f;
    const float* bias_c = last ? bias : nullptr;
    const float* chunk = b.p + pc * b.npan * cfg.nr;
    for (int64_t q = 0; q < b.n; q += cfg.nr) {
      gemm::TileEpilogue epi{bias_c ? bias_c + q : nullptr, 1, GemmActivation::none};
      const float* bp = chunk + q * depth;
      const int64_t nr = std::min<int64_t>(cfg.nr, b.n - q);
      for (int64_t i = 0; i < m; i += cfg.mr) {
        const int64_t mr = std::min<int64_t>(cfg.mr, m - i);
        if (!tile_active(i, mr)) continue;
        if (mr == 1)  // a lone row: the same sums in the same order, without MR rows of work
          gemv(kc, a + i * a_rs + pc, bp, nr, cfg.nr, c + i * c_rs + q, bt, bias_c ? bias_c + q : nullptr);
        else
          cfg.ukernel(kc, a + i * a_rs + pc, a_rs, 1, bp, cfg.nr, c + i * c_rs + q, c_rs, 1, mr, nr, 1.0f, bt,
                      bias_c ? &epi : nullptr);
      }
    }
  }
}

// Rows [r0, r1) of group g out of n: an even split at multiples of the micro-kernel's
// row_step (R1's 32 rows on two threads with 6-row tiles: 16 + 16, i.e. 6 + 6 + 4 each,
// where whole tiles gave one thread 18 and the other 14).
void group_rows(int64_t batch, int step, int g, int n, int64_t& r0, int64_t& r1) {
  const int64_t units = ceil_div(batch, step);
  r0 = std::min(batch, units * g / n * step);
  r1 = std::min(batch, units * (g + 1) / n * step);
}

constexpr int64_t kL1PanelFloats = 256 * 32;  // B panel floats that fit a 32 KiB L1 data cache

// The micro-kernel of the per-step products. Where the ISA has a wider one (AVX-512: 4x64
// next to 6x32, AVX2: 4x24 next to 6x16) and every product is at least that wide, the one
// that pads the batch to fewer rows wins (R1's 16 rows per thread: 18 with 6-row tiles, 16
// with 4-row ones).
// AVX-512's 8x32 takes the stacked [x_t, h] product of LSTM and SimpleRNN when it is deep
// (k >= 128) but its k x 32 B panel still fits L1 (k <= 256), and the batch is whole 8-row
// tiles: 16 accumulators as 4x64, with half its B panel, so a panel read for one row tile is
// still in L1 for the next. R1 LSTM's forward (k = 160) measured 2% faster than with 4x64
// (1 and 2 threads, medians of 11-21 pairs; 2-5% in single runs), E4's layer unmasked
// (k = 128) 2%; R2 (k = 384, panels past L1) 0.7% slower, the shallower products of E3 and
// R4 (k = 64, 32) 2% slower. Not under a mask: a tile skips a step only when all its rows
// are masked there, which 8 rows are less often than 4.
// All sum each output in the same order, so the choice never changes a result; it depends
// on the shapes only, not on the thread count.
const GemmConfig& step_config(int64_t batch, int64_t min_cols, int64_t stacked_k = 0) {
  const GemmConfig& base = *kernel_table().gemm;
  const GemmConfig* wide = kernel_table().gemm_wide;
  const GemmConfig* tall = kernel_table().gemm_tall;
  if (tall && tall->kc == base.kc && stacked_k >= 128 && stacked_k * tall->nr <= kL1PanelFloats &&
      batch % tall->mr == 0 && min_cols >= tall->nr)
    return *tall;
  if (!wide || wide == &base || wide->kc != base.kc || min_cols < wide->nr) return base;
  const int64_t rows_base = ceil_div(batch, base.mr) * base.mr, rows_wide = ceil_div(batch, wide->mr) * wide->mr;
  return rows_wide <= rows_base ? *wide : base;
}

// The micro-kernel of backward's per-step products dZ_t U^T (k = G * units deep, units
// columns). AVX-512's 8x32 where its k x 32 B panel no longer fits L1 (k > 256) and the
// batch is whole 8-row tiles: a panel then streams from L2 once per 8 rows rather than once
// per 6 (on Zen 5, medians of 10-12 alternating runs: R1 LSTM, k = 512, backward 2% faster
// than on 6x32; R2 LSTM, k = 1024, level with 4x64; R1 GRU, k = 384, level). Otherwise the
// wider micro-kernel only when deep (R2 3-5% faster than 6x32), 6x32 below (R1 and E4 7-9%
// faster on it than on 4x64, on Zen 4).
const GemmConfig& back_step_config(int64_t batch, int64_t units, int64_t k) {
  const GemmConfig* tall = kernel_table().gemm_tall;
  if (tall && k * tall->nr > kL1PanelFloats && batch % tall->mr == 0 && units >= tall->nr) return *tall;
  return k >= 768 ? step_config(batch, units) : *kernel_table().gemm;
}

// The time loop's row groups, which the threads take dynamically: a thread whose core
// another process holds then hands its share to the others instead of holding up the whole
// call (a 2-thread E3 epoch took 2.4x its 1-thread time next to one busy process). Each
// group streams the per-step weights once per step, so there are more groups than threads
// only when those weights stay in cache, and every group keeps two row tiles or more; a
// whole number of groups per thread, so that an idle machine splits the rows evenly.
int64_t row_groups(int64_t batch, int mr, int nt, int64_t weight_floats) {
  const int64_t tiles = ceil_div(batch, mr);
  if (nt <= 1 || tiles <= nt) return std::max<int64_t>(1, std::min<int64_t>(nt, tiles));
  if (weight_floats > (int64_t(64) << 10)) return nt;
  return nt * std::clamp<int64_t>(tiles / (2 * int64_t(nt)), 1, 4);
}

int threads_for(const RnnConfig& cfg, int mr) {
  const int64_t tiles = ceil_div(cfg.batch, mr);
  return int(std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), tiles)));
}

// The input columns of XH at step t of rows [b0, b1): x, times the input dropout mask when
// there is one.
void fill_inputs(const RnnConfig& cfg, const RnnInputs& in, float* xh, int64_t xw, int64_t b0, int64_t b1,
                 int64_t t) {
  const int64_t S = cfg.steps, I = cfg.input_size;
  for (int64_t b = b0; b < b1; ++b) {
    const float* src = in.x + (b * S + t) * I;
    float* dst = xh + (b * S + t) * xw;
    const float* m = in.input_dropout ? in.input_dropout + b * I : nullptr;
    if (m) for (int64_t i = 0; i < I; ++i) dst[i] = src[i] * m[i];
    else std::memcpy(dst, src, sizeof(float) * size_t(I));
  }
}

inline int64_t step_index(const RnnConfig& cfg, int64_t s) { return cfg.go_backwards ? cfg.steps - 1 - s : s; }

// Rows of one step are S * width floats apart, too far for the hardware prefetcher: ask
// for the next step's rows while this step computes.
inline void prefetch_rows(const float* p, int64_t rows, int64_t stride, int64_t width) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < width; j += 16) __builtin_prefetch(p + r * stride + j, 0, 3);
}

}  // namespace

int64_t rnn_gates(RnnCell cell) { return cell == RnnCell::lstm ? 4 : cell == RnnCell::gru ? 3 : 1; }

int64_t rnn_bias_size(const RnnConfig& cfg) {
  const int64_t gu = rnn_gates(cfg.cell) * cfg.units;
  return cfg.cell == RnnCell::gru && cfg.reset_after ? 2 * gu : gu;
}

int64_t rnn_workspace_size(const RnnConfig& cfg) { return layout(cfg).total; }

const char* rnn_activation_name(RnnActivation a) {
  static const char* names[] = {"linear", "tanh", "sigmoid", "relu", "hard_sigmoid",
                                "softsign", "elu", "selu", "exponential", "relu6"};
  const int i = int(a);
  return i >= 0 && i <= int(RnnActivation::relu6) ? names[i] : "unknown";
}

RnnActivation parse_rnn_activation(const char* name, const char* what) {
  const std::string s = name ? name : "";
  for (int i = 0; i <= int(RnnActivation::relu6); ++i)
    if (s == rnn_activation_name(RnnActivation(i))) return RnnActivation(i);
  detail::throw_error(what, "='", s, "' is not supported by the recurrent kernels; allowed values: linear, tanh, "
                      "sigmoid, relu, hard_sigmoid, softsign, elu, selu, exponential, relu6");
}

namespace {

// forward and backward over the rows in the order given (rnn_forward / rnn_backward below
// put a masked batch in order of length first)
void forward_rows(const RnnConfig& cfg, const RnnInputs& in, const RnnOutputs& out, float* ws_user) {
  FlushDenormals ftz;  // this thread; each parallel region's workers set their own
  const Layout L = layout(cfg);
  const int64_t B = L.B, S = L.S, I = L.I, U = L.U, GU = L.GU;
  const RnnCell cell = cfg.cell;
  const bool gru = cell == RnnCell::gru, lstm = cell == RnnCell::lstm;
  const bool after = gru && cfg.reset_after;
  if (B == 0) return;
  if (S == 0) {  // nothing to run: the state is the initial one, the last output zero
    for (int64_t b = 0; b < B; ++b) {
      if (out.last) std::fill(out.last + b * U, out.last + (b + 1) * U, 0.0f);
      if (out.h) for (int64_t j = 0; j < U; ++j) out.h[b * U + j] = in.h0 ? in.h0[b * U + j] : 0.0f;
      if (out.c && lstm) for (int64_t j = 0; j < U; ++j) out.c[b * U + j] = in.c0 ? in.c0[b * U + j] : 0.0f;
    }
    return;
  }
  // The input product of each step runs inside the time loop, right before the recurrent
  // one, so the pre-activations never make a round trip through memory (R1, R2 forward
  // 5-8% faster). With very few features (k < 16) one GEMM over all steps does it better.
  const bool x_in_loop = I >= 16;
  const GemmConfig& gc = step_config(B, gru ? U : GU, x_in_loop && !gru && !in.mask ? L.XW : 0);
  const rnn::RnnKernels& rk = *kernel_table().rnn;

  // scratch: [workspace when none given] [bias] [packed pieces]
  const int64_t XW = L.XW;
  const int64_t pk = packed_size(gc, XW, GU) + 3 * gc.nr * XW + packed_size(gc, I, GU);
  const int64_t need = (ws_user ? 0 : L.total) + GU + 16 + pk;
  float* scratch = workspace(WorkspaceSlot::scratch0, size_t(need));
  float* ws = ws_user ? ws_user : scratch;
  float* cur = scratch + (ws_user ? 0 : L.total);
  float* bias_eff = cur;
  cur += GU + 16;
  float* XH = ws + L.xh;
  float* Hin = XH + I;  // row stride XW
  // the input columns of XH: each step's rows right before its product when it runs in the
  // loop, else all of them for the GEMM over all steps
  if (!x_in_loop && I > 0)
    parallel_for(B, B * S * I > 65536, [&](int64_t b) {
      for (int64_t t = 0; t < S; ++t) fill_inputs(cfg, in, XH, XW, b, b + 1, t);
    });

  // the input projection of all steps, biases that simply add folded in
  const float* rec_bias = nullptr;  // GRU reset_after: recurrent bias of the h block
  if (in.bias) {
    std::memcpy(bias_eff, in.bias, sizeof(float) * GU);
    if (after) {
      for (int64_t j = 0; j < 2 * U; ++j) bias_eff[j] += in.bias[GU + j];
      rec_bias = in.bias + GU + 2 * U;
    }
  }
  float* Z = ws + L.z;
  const float* bias_x = in.bias ? bias_eff : nullptr;
  Packed p_x{}, p_xu{};
  const float* W = in.recurrent_kernel;
  if (x_in_loop && !gru) {
    // one product per step: [x_t, hin] (a row of XH) times [W; U], stacked and packed once
    p_xu = pack(gc, XW, GU, Stacked{in.kernel, I, W, GU}, false, cur);
  } else if (x_in_loop) {
    p_x = pack(gc, I, GU, single(in.kernel, GU), false, cur);
  } else {
    GemmEpilogue ep;
    ep.bias = bias_x;
    sgemm(Trans::no, Trans::no, B * S, GU, I, 1.0f, XH, XW, in.kernel, GU, 0.0f, Z, GU, ep);
  }

  // the recurrent kernel, packed once: pieces by gate blocks where the cell needs them
  Packed p_all{}, p_zr{}, p_h{};
  if (gru) {
    p_zr = pack(gc, U, 2 * U, single(W, GU), false, cur);
    p_h = pack(gc, U, U, single(W + 2 * U, GU), false, cur);
  } else if (!x_in_loop) {
    p_all = pack(gc, U, GU, single(W, GU), false, cur);
  }

  float* Hs = ws + L.hs;
  float* Cs = lstm ? ws + L.cs : nullptr;
  float* Ac = lstm ? ws + L.ac : nullptr;
  float* Rh = gru ? ws + L.rh : nullptr;
  const int nt = threads_for(cfg, gc.mr);

  const int64_t groups = row_groups(B, gc.mr, nt, XW * GU);
  // parallel_for's workers flush denormals: decaying states stay off the slow path
  parallel_for(groups, groups > 1, [&](int64_t group) {
    int64_t r0, r1;
    group_rows(B, gc.row_step, int(group), int(groups), r0, r1);
    const int64_t m = r1 - r0;
    // first recurrent input: h0 * dropout (or zeros)
    const int64_t t0 = step_index(cfg, 0);
    for (int64_t b = r0; b < r1; ++b) {
      float* hin = Hin + (b * S + t0) * XW;
      for (int64_t j = 0; j < U; ++j) {
        const float h = in.h0 ? in.h0[b * U + j] : 0.0f;
        hin[j] = in.recurrent_dropout ? h * in.recurrent_dropout[b * U + j] : h;
      }
    }
    for (int64_t s = 0; s < S && m > 0; ++s) {
      const int64_t t = step_index(cfg, s);
      const int64_t tp = s == 0 ? -1 : step_index(cfg, s - 1);
      const int64_t tn = s + 1 < S ? step_index(cfg, s + 1) : -1;
      const float* A = Hin + (r0 * S + t) * XW;
      float* Zt = Z + (r0 * S + t) * GU;
      if (tn >= 0 && !x_in_loop) prefetch_rows(Z + (r0 * S + tn) * GU, m, S * GU, GU);
      if (x_in_loop) {
        fill_inputs(cfg, in, XH, XW, r0, r1, t);
        if (tn >= 0) prefetch_rows(in.x + (r0 * S + tn) * I, m, S * I, I);
      }
      // tiles of rows all masked at this step skip their products (their z is never read)
      const uint8_t* act = in.mask ? in.mask + r0 * S + t : nullptr;
      // the first step's recurrent input is zero without an initial state: no product with it
      const bool zero_hin = s == 0 && !in.h0;
      if (x_in_loop && !gru) {
        rows_gemm(gc, p_xu, m, XH + (r0 * S + t) * XW, S * XW, Zt, S * GU, 0.0f, bias_x, act, S,
                  zero_hin ? I : -1);
      } else if (!gru) {
        if (!zero_hin) rows_gemm(gc, p_all, m, A, S * XW, Zt, S * GU, 1.0f, nullptr, act, S);
      } else {
        if (x_in_loop) rows_gemm(gc, p_x, m, XH + (r0 * S + t) * XW, S * XW, Zt, S * GU, 0.0f, bias_x, act, S);
        if (!zero_hin) rows_gemm(gc, p_zr, m, A, S * XW, Zt, S * GU, 1.0f, nullptr, act, S);
        if (after && !zero_hin) {
          rows_gemm(gc, p_h, m, A, S * XW, Rh + (r0 * S + t) * U, S * U, 0.0f, rec_bias, act, S);
        } else if (after) {
          for (int64_t b = r0; b < r1; ++b) {
            float* rh = Rh + (b * S + t) * U;
            if (rec_bias) std::memcpy(rh, rec_bias, sizeof(float) * size_t(U)); else std::fill(rh, rh + U, 0.0f);
          }
        }
      }
      if (gru && !after) {  // reset before the product: rh = r * hin, then rh U_h
        for (int64_t b = r0; b < r1; ++b) {
          float* rh = Rh + (b * S + t) * U;
          if (in.mask && !in.mask[b * S + t]) {  // defined, as the kernel gradient reads every row
            std::fill(rh, rh + U, 0.0f);
            continue;
          }
          rk.gru_gates(U, cfg.recurrent_activation, Z + (b * S + t) * GU, Hin + (b * S + t) * XW, rh);
        }
        if (!zero_hin) rows_gemm(gc, p_h, m, Rh + (r0 * S + t) * U, S * U, Zt + 2 * U, S * GU, 1.0f, nullptr, act, S);
      }
      for (int64_t b = r0; b < r1; ++b) {
        const int64_t row = b * S + t, prow = b * S + tp;
        const float* rdm = in.recurrent_dropout ? in.recurrent_dropout + b * U : nullptr;
        const float* h_prev = tp >= 0 ? Hs + prow * U : (in.h0 ? in.h0 + b * U : nullptr);
        float* h = Hs + row * U;
        float* hin_next = tn >= 0 ? Hin + (b * S + tn) * XW : nullptr;
        if (in.mask && !in.mask[b * S + t]) {  // masked: carry everything forward
          if (h_prev) std::memcpy(h, h_prev, sizeof(float) * U); else std::fill(h, h + U, 0.0f);
          if (hin_next) std::memcpy(hin_next, Hin + row * XW, sizeof(float) * U);
          if (lstm) {
            const float* c_prev = tp >= 0 ? Cs + prow * U : (in.c0 ? in.c0 + b * U : nullptr);
            float* c = Cs + row * U;
            if (c_prev) std::memcpy(c, c_prev, sizeof(float) * U); else std::fill(c, c + U, 0.0f);
          }
          continue;
        }
        float* z = Z + row * GU;
        switch (cell) {
          case RnnCell::simple: rk.simple_fwd(U, cfg.activation, z, h, hin_next, rdm); break;
          case RnnCell::lstm: {
            const float* c_prev = tp >= 0 ? Cs + prow * U : in.c0 ? in.c0 + b * U : nullptr;
            rk.lstm_fwd(U, cfg.activation, cfg.recurrent_activation, z, c_prev, Cs + row * U, Ac + row * U, h,
                        hin_next, rdm);
            break;
          }
          case RnnCell::gru:
            if (after) rk.gru_gates(U, cfg.recurrent_activation, z, nullptr, nullptr);
            rk.gru_fwd(U, cfg.activation, z, after ? Rh + row * U : nullptr, h_prev, h, hin_next, rdm);
            break;
        }
      }
    }
    // outputs, in processing order; zero before a row's first unmasked step
    for (int64_t b = r0; b < r1; ++b) {
      bool seen = false;
      for (int64_t s = 0; s < S; ++s) {
        const int64_t t = step_index(cfg, s);
        seen = seen || !in.mask || in.mask[b * S + t];
        if (out.sequence) {
          float* y = out.sequence + (b * S + s) * U;
          if (seen) std::memcpy(y, Hs + (b * S + t) * U, sizeof(float) * U); else std::fill(y, y + U, 0.0f);
        }
      }
      const int64_t tl = step_index(cfg, S - 1);
      if (out.last) {
        float* y = out.last + b * U;
        if (seen) std::memcpy(y, Hs + (b * S + tl) * U, sizeof(float) * U); else std::fill(y, y + U, 0.0f);
      }
      if (out.h) std::memcpy(out.h + b * U, Hs + (b * S + tl) * U, sizeof(float) * U);
      if (out.c && lstm) std::memcpy(out.c + b * U, Cs + (b * S + tl) * U, sizeof(float) * U);
    }
  });
}

void backward_rows(const RnnConfig& cfg, const RnnInputs& in, const float* ws, const RnnOutputGrads& dout,
                   const RnnGrads& grads) {
  FlushDenormals ftz;
  const char* fn = cell_name(cfg.cell);
  const Layout L = layout(cfg);
  const int64_t B = L.B, S = L.S, I = L.I, U = L.U, GU = L.GU;
  const RnnCell cell = cfg.cell;
  const bool gru = cell == RnnCell::gru, lstm = cell == RnnCell::lstm;
  const bool after = gru && cfg.reset_after;
  const int64_t nbias = rnn_bias_size(cfg);
  if (B == 0 || S == 0) {  // no step ran: gradients of the weights are zero, states pass through
    if (grads.kernel) std::fill(grads.kernel, grads.kernel + I * GU, 0.0f);
    if (grads.recurrent_kernel) std::fill(grads.recurrent_kernel, grads.recurrent_kernel + U * GU, 0.0f);
    if (grads.bias) std::fill(grads.bias, grads.bias + nbias, 0.0f);
    for (int64_t i = 0; i < B * U; ++i) {
      if (grads.h0) grads.h0[i] = dout.h ? dout.h[i] : 0.0f;
      if (grads.c0) grads.c0[i] = dout.c && lstm ? dout.c[i] : 0.0f;
    }
    return;
  }
  KERNN_CHECK(ws != nullptr, fn, ": backward needs the workspace filled by the forward call");
  const GemmConfig& gc = back_step_config(B, U, GU);
  const rnn::RnnKernels& rk = *kernel_table().rnn;
  const bool separate_dr = gru;  // GRU's recurrent-side gradients differ from the input side

  const int64_t rows = B * S;
  const int64_t pk = packed_size(gc, GU, U) + 2 * gc.nr * GU;
  const bool merged_wgrad = !gru && I > 0 && grads.kernel && grads.recurrent_kernel;
  // LSTM/SimpleRNN with many features: dx_t and the recurrent input's gradient come from one
  // per-step product dZ_t [W; U]^T while dZ_t is in cache, instead of a GEMM over all steps
  // for dx afterwards (R2 LSTM backward ~10% faster; with few features the extra column
  // panels of the per-step product cost more than they save)
  const bool dx_in_loop = !gru && I >= 64 && grads.x != nullptr;
  // The bias gradient is the column sums of dZ (and of dR: GRU reset_after's recurrent
  // bias). The weight-gradient GEMMs, whose B they are, add them up from the rows they load
  // (R1 LSTM: 1.3% of the time as a per-row pass in the loop); without those GEMMs, each
  // row's sum is taken in the loop while its dZ is in cache.
  const bool x_wgrad = grads.kernel && I > 0;
  const bool bias_in_wgrad =
      grads.bias && (gru ? x_wgrad && (!after || grads.recurrent_kernel) : x_wgrad || grads.recurrent_kernel);
  const int64_t need = 2 * B + 16 + rows * GU * (separate_dr ? 2 : 1) + pk + packed_size(gc, GU, L.XW) +
                       gc.nr * GU + (merged_wgrad ? L.XW * GU : 0) + (grads.bias && !bias_in_wgrad ? B * nbias : 0);
  float* cur = workspace(WorkspaceSlot::scratch0, size_t(need));
  int64_t* first = reinterpret_cast<int64_t*>(cur);  // first unmasked processing step per row
  cur += (2 * B + 15) / 16 * 16;
  float* dZ = cur;
  cur += rows * GU;
  float* dR = separate_dr ? cur : dZ;
  if (separate_dr) cur += rows * GU;
  // the bias gradient where no weight-gradient GEMM takes it: each row's sum over its steps,
  // added up in the loop while the row's dZ is in cache (a pass over all of dZ afterwards
  // cost R1 3% of its backward), then the rows' sums in row order, so the result is the same
  // for any thread count
  float* dB = grads.bias && !bias_in_wgrad ? cur : nullptr;
  if (dB) cur += B * nbias;
  const float* W = in.recurrent_kernel;
  // U^T (GU x U) packed for the per-step products dR U^T
  Packed p_all{}, p_zr{}, p_h{};
  if (gru && !after) {
    p_zr = pack(gc, 2 * U, U, single(W, GU), true, cur);
    p_h = pack(gc, U, U, single(W + 2 * U, GU), true, cur);
  } else if (!dx_in_loop) {
    p_all = pack(gc, GU, U, single(W, GU), true, cur);
  } else {  // [W; U]^T, (I + U) columns
    p_all = pack(gc, GU, L.XW, Stacked{in.kernel, I, W, GU}, true, cur);
  }
  float* wgrad_buf = cur;  // [dW; dU] of the merged weight-gradient GEMM

  const float* Z = ws + L.z;
  const float* Hs = ws + L.hs;
  const int64_t XW = L.XW;
  const float* XH = ws + L.xh;
  const float* Hin = XH + I;  // row stride XW
  const float* Cs = lstm ? ws + L.cs : nullptr;
  const float* Ac = lstm ? ws + L.ac : nullptr;
  const float* Rh = gru ? ws + L.rh : nullptr;
  const int nt = threads_for(cfg, gc.mr);

  const int64_t groups = row_groups(B, gc.mr, nt, GU * (dx_in_loop ? XW : U));
  // parallel_for's workers flush denormals: decaying states stay off the slow path
  parallel_for(groups, groups > 1, [&](int64_t group) {
    int64_t r0, r1;
    group_rows(B, gc.row_step, int(group), int(groups), r0, r1);
    const int64_t m = r1 - r0;
    // per group: dH, dC, dHin (rows of this group), tmp
    // dXH: per row [dx_t, d hin] (width XW) when dx is computed in the loop, else d hin (width U)
    const int64_t dw = dx_in_loop ? XW : U;
    float* buf = workspace(WorkspaceSlot::scratch1, size_t(std::max<int64_t>(1, 3 * m * U + m * dw)));
    float* dH = buf;
    float* dC = buf + m * U;
    float* dD = buf + 2 * m * U;  // GRU: dh * z (direct path); reset before: grad of rh
    float* dXH = buf + 3 * m * U;
    float* dHin = dx_in_loop ? dXH + I : dXH;  // row stride dw
    for (int64_t b = r0; b < r1; ++b) {
      int64_t f = S;
      for (int64_t s = 0; s < S; ++s)
        if (!in.mask || in.mask[b * S + step_index(cfg, s)]) { f = s; break; }
      first[b] = f;
      float* dh = dH + (b - r0) * U;
      for (int64_t j = 0; j < U; ++j) {
        float g = dout.h ? dout.h[b * U + j] : 0.0f;
        if (dout.last && f < S) g += dout.last[b * U + j];
        dh[j] = g;
        dC[(b - r0) * U + j] = lstm && dout.c ? dout.c[b * U + j] : 0.0f;
      }
      if (dB) std::fill(dB + b * nbias, dB + (b + 1) * nbias, 0.0f);
    }
    for (int64_t s = S - 1; s >= 0 && m > 0; --s) {
      const int64_t t = step_index(cfg, s);
      const int64_t tp = s == 0 ? -1 : step_index(cfg, s - 1);
      if (tp >= 0) {
        prefetch_rows(Z + (r0 * S + tp) * GU, m, S * GU, GU);
        if (lstm) {
          prefetch_rows(Cs + (r0 * S + tp) * U, m, S * U, U);
          prefetch_rows(Ac + (r0 * S + tp) * U, m, S * U, U);
        }
        if (gru) {
          prefetch_rows(Rh + (r0 * S + tp) * U, m, S * U, U);
          prefetch_rows(Hs + (r0 * S + tp) * U, m, S * U, U);
        }
      }
      for (int64_t b = r0; b < r1; ++b) {
        const int64_t row = b * S + t, prow = b * S + tp, lb = b - r0;
        float* dh = dH + lb * U;
        if (dout.sequence && s >= first[b]) {
          const float* g = dout.sequence + (b * S + s) * U;
          for (int64_t j = 0; j < U; ++j) dh[j] += g[j];
        }
        float* dz = dZ + row * GU;
        float* dr = dR + row * GU;
        if (in.mask && !in.mask[row]) {
          std::fill(dz, dz + GU, 0.0f);
          if (separate_dr) std::fill(dr, dr + GU, 0.0f);
          continue;
        }
        const float* z = Z + row * GU;
        switch (cell) {
          case RnnCell::simple: rk.simple_bwd(U, cfg.activation, Hs + row * U, dh, dz); break;
          case RnnCell::lstm: {
            const float* c_prev = tp >= 0 ? Cs + prow * U : in.c0 ? in.c0 + b * U : nullptr;
            rk.lstm_bwd(U, cfg.activation, cfg.recurrent_activation, z, c_prev, Ac + row * U, dh, dC + lb * U, dz);
            break;
          }
          case RnnCell::gru: {
            const float* h_prev = tp >= 0 ? Hs + prow * U : (in.h0 ? in.h0 + b * U : nullptr);
            rk.gru_bwd(U, cfg.activation, cfg.recurrent_activation, z, h_prev, after ? Rh + row * U : nullptr, dh,
                       dz, dr, dD + lb * U);
            break;
          }
        }
      }
      // gradient of the recurrent input: dR U^T (tiles of rows all masked at this step skipped)
      const float* dRt = dR + (r0 * S + t) * GU;
      const uint8_t* act = in.mask ? in.mask + r0 * S + t : nullptr;
      // the first step's recurrent input gradient would only feed grads.h0: skipped without it
      const bool first_only_h0 = s == 0 && !grads.h0 && !dx_in_loop && !(gru && !after);
      if (gru && !after) {
        float* dRH = dHin;  // the grad of rh lands in dHin first
        rows_gemm(gc, p_h, m, dRt + 2 * U, S * GU, dRH, U, 0.0f, nullptr, act, S);
        for (int64_t b = r0; b < r1; ++b) {
          const int64_t row = b * S + t, lb = b - r0;
          if (in.mask && !in.mask[row]) continue;
          // dz/dr of the r block and d hin = drh * r (in place over drh)
          rk.gru_bwd_r(U, cfg.recurrent_activation, Z + row * GU + U, Hin + row * XW, dRH + lb * U,
                       dZ + row * GU + U, dR + row * GU + U, dRH + lb * U);
        }
        rows_gemm(gc, p_zr, m, dRt, S * GU, dHin, U, 1.0f, nullptr, act, S);
      } else if (!first_only_h0) {
        rows_gemm(gc, p_all, m, dRt, S * GU, dXH, dw, 0.0f, nullptr, act, S);
      }
      for (int64_t b = r0; b < r1; ++b) {
        const int64_t row = b * S + t, lb = b - r0;
        const bool masked = in.mask && !in.mask[row];
        if (dx_in_loop) {  // a masked step's input gets no gradient
          float* dx = grads.x + row * I;
          const float* src = dXH + lb * dw;
          const float* mk = in.input_dropout ? in.input_dropout + b * I : nullptr;
          if (masked) std::fill(dx, dx + I, 0.0f);
          else if (mk) for (int64_t i = 0; i < I; ++i) dx[i] = src[i] * mk[i];
          else std::memcpy(dx, src, sizeof(float) * size_t(I));
        }
        if (masked) continue;
        if (dB) {
          rk.accumulate(GU, dZ + row * GU, dB + b * nbias);
          if (after) rk.accumulate(GU, dR + row * GU, dB + b * nbias + GU);
        }
        if (first_only_h0) continue;
        float* dh = dH + lb * U;
        const float* g = dHin + lb * dw;
        const float* rdm = in.recurrent_dropout ? in.recurrent_dropout + b * U : nullptr;
        const float* direct = gru ? dD + lb * U : nullptr;
        // one loop per case, so each vectorises
        if (!rdm && !direct) std::memcpy(dh, g, sizeof(float) * size_t(U));
        else if (!rdm) for (int64_t j = 0; j < U; ++j) dh[j] = direct[j] + g[j];
        else if (!direct) for (int64_t j = 0; j < U; ++j) dh[j] = g[j] * rdm[j];
        else for (int64_t j = 0; j < U; ++j) dh[j] = direct[j] + g[j] * rdm[j];
      }
    }
    for (int64_t b = r0; b < r1; ++b) {
      if (grads.h0) std::memcpy(grads.h0 + b * U, dH + (b - r0) * U, sizeof(float) * U);
      if (grads.c0) {
        if (lstm) std::memcpy(grads.c0 + b * U, dC + (b - r0) * U, sizeof(float) * U);
        else std::fill(grads.c0 + b * U, grads.c0 + (b + 1) * U, 0.0f);
      }
    }
  });

  // weight gradients: large GEMMs over all steps, the first over dZ (dR) also summing its
  // columns into the bias gradient; else the bias's sums of the rows
  if (dB) {
    std::fill(grads.bias, grads.bias + nbias, 0.0f);
    for (int64_t b = 0; b < B; ++b) rk.accumulate(nbias, dB + b * nbias, grads.bias);
  }
  float* bias_z = bias_in_wgrad ? grads.bias : nullptr;  // dZ's column sums, by the first GEMM over dZ
  float* bias_r = bias_in_wgrad && after ? grads.bias + GU : nullptr;  // dR's (GRU reset_after's)
  // A masked step's rows of dZ (and dR) are zero, so with many masked steps the kernel
  // gradients are taken over the unmasked rows only, gathered in order (E4's batches: 45% of
  // the rows masked)
  const float *gXH = XH, *gdZ = dZ, *gdR = dR, *gRh = Rh;
  int64_t grows = rows;
  if (in.mask && (grads.kernel || grads.recurrent_kernel)) {
    std::vector<int64_t> runs;  // [begin, end) of each run of unmasked rows
    int64_t active = 0;
    for (int64_t r = 0; r < rows; ++r) {
      if (!in.mask[r]) continue;
      if (runs.empty() || runs.back() != r) runs.insert(runs.end(), {r, r + 1});
      else ++runs.back();
      ++active;
    }
    if (active * 10 <= rows * 9) {
      const bool rh = gru && !after;
      float* g = workspace(WorkspaceSlot::scratch1,
                           size_t(std::max<int64_t>(1, active * (XW + GU + (separate_dr ? GU : 0) + (rh ? U : 0)))));
      float* cXH = g;
      float* cdZ = cXH + active * XW;
      float* cdR = separate_dr ? cdZ + active * GU : cdZ;
      float* cRh = rh ? cdR + active * GU : nullptr;
      std::vector<int64_t> at(runs.size() / 2 + 1, 0);  // first gathered row of each run
      for (size_t q = 0; q + 1 < at.size(); ++q) at[q + 1] = at[q] + runs[2 * q + 1] - runs[2 * q];
      parallel_for(int64_t(at.size()) - 1, active * (XW + GU) > 65536, [&](int64_t q) {
        const int64_t r0 = runs[size_t(2 * q)], n = runs[size_t(2 * q + 1)] - r0, o = at[size_t(q)];
        std::memcpy(cXH + o * XW, XH + r0 * XW, sizeof(float) * size_t(n * XW));
        std::memcpy(cdZ + o * GU, dZ + r0 * GU, sizeof(float) * size_t(n * GU));
        if (separate_dr) std::memcpy(cdR + o * GU, dR + r0 * GU, sizeof(float) * size_t(n * GU));
        if (rh) std::memcpy(cRh + o * U, Rh + r0 * U, sizeof(float) * size_t(n * U));
      });
      gXH = cXH, gdZ = cdZ, gdR = cdR, gRh = rh ? cRh : Rh;
      grows = active;
    }
  }
  const float* gHin = gXH + I;
  if (merged_wgrad) {  // [dW; dU] = XH^T dZ: dZ is packed once for both
    const bool adjacent = grads.recurrent_kernel == grads.kernel + I * GU;  // as the Python binding passes them
    float* dwu = adjacent ? grads.kernel : wgrad_buf;
    gemm::sgemm_sum_b(Trans::yes, Trans::no, XW, GU, grows, 1.0f, gXH, XW, gdZ, GU, 0.0f, dwu, GU, bias_z);
    if (!adjacent) {
      std::memcpy(grads.kernel, wgrad_buf, sizeof(float) * size_t(I * GU));
      std::memcpy(grads.recurrent_kernel, wgrad_buf + I * GU, sizeof(float) * size_t(U * GU));
    }
  } else {
    if (x_wgrad)
      gemm::sgemm_sum_b(Trans::yes, Trans::no, I, GU, grows, 1.0f, gXH, XW, gdZ, GU, 0.0f, grads.kernel, GU, bias_z);
    if (grads.recurrent_kernel) {
      if (gru && !after) {
        sgemm(Trans::yes, Trans::no, U, 2 * U, grows, 1.0f, gHin, XW, gdR, GU, 0.0f, grads.recurrent_kernel, GU);
        sgemm(Trans::yes, Trans::no, U, U, grows, 1.0f, gRh, U, gdR + 2 * U, GU, 0.0f, grads.recurrent_kernel + 2 * U,
              GU);
      } else {  // dR is dZ but for GRU; dZ's sums come from the kernel's GEMM when it ran
        gemm::sgemm_sum_b(Trans::yes, Trans::no, U, GU, grows, 1.0f, gHin, XW, gdR, GU, 0.0f, grads.recurrent_kernel,
                          GU, gru ? bias_r : x_wgrad ? nullptr : bias_z);
      }
    }
  }
  if (grads.x && I > 0 && !dx_in_loop) {
    if (I < gc.nr) {  // few features: dx^T = W dZ^T keeps the micro-kernel's wide side busy
      sgemm_strided(I, rows, GU, 1.0f, in.kernel, GU, 1, dZ, 1, GU, 0.0f, grads.x, 1, I);
    } else {
      sgemm(Trans::no, Trans::yes, rows, I, GU, 1.0f, dZ, GU, in.kernel, GU, 0.0f, grads.x, I);
    }
    if (in.input_dropout) {
      parallel_for(B, rows * I > 65536, [&](int64_t b) {
        for (int64_t t = 0; t < S; ++t) {
          float* dx = grads.x + (b * S + t) * I;
          const float* mk = in.input_dropout + b * I;
          for (int64_t i = 0; i < I; ++i) dx[i] *= mk[i];
        }
      });
    }
  }
}

// ---- masked batches in order of length ------------------------------------------------
// A tile of micro-kernel rows skips a step's products only when all its rows are masked
// there, so rows of very different lengths side by side waste most of the skip (E4's
// pre-padded sequences of 10..100 steps in batches of 64: 82% of the 4-row tile-steps ran
// in batch order, 58% with the rows sorted). With a mask whose rows differ in length,
// forward and backward take the rows longest first (a stable sort by unmasked step count:
// a function of the mask alone, so backward finds forward's order and the workspace between
// them is in that order) and copy the per-row inputs and results through it. Each row is
// computed exactly as in batch order; only the weight gradients, sums over all rows, add
// the rows in another order.
constexpr int64_t kOrderTile = 4;

// perm[i] = the batch row computed i-th, or empty when the batch order loses < 10%.
std::vector<int64_t> row_order(const RnnConfig& cfg, const uint8_t* mask) {
  const int64_t B = cfg.batch, S = cfg.steps;
  if (!mask || B <= kOrderTile || S == 0) return {};
  std::vector<int64_t> count(static_cast<size_t>(B), 0), perm(static_cast<size_t>(B));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < S; ++t) count[size_t(b)] += mask[b * S + t] != 0;
  for (int64_t b = 0; b < B; ++b) perm[size_t(b)] = b;
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) { return count[size_t(a)] > count[size_t(b)]; });
  auto busy_tile_steps = [&](auto row) {  // tile-steps with an unmasked row, rows in order row(i)
    int64_t n = 0;
    for (int64_t i0 = 0; i0 < B; i0 += kOrderTile)
      for (int64_t t = 0; t < S; ++t)
        for (int64_t i = i0; i < std::min(B, i0 + kOrderTile); ++i)
          if (mask[row(i) * S + t]) {
            ++n;
            break;
          }
    return n;
  };
  const int64_t sorted = busy_tile_steps([&](int64_t i) { return perm[size_t(i)]; });
  const int64_t in_order = busy_tile_steps([](int64_t i) { return i; });
  if (sorted * 10 > in_order * 9) return {};
  return perm;
}

// Per-row arrays copied into and out of the sorted order, carved from one buffer.
class RowCopies {
 public:
  RowCopies(const std::vector<int64_t>& perm, size_t floats)
      : perm_(perm), buf_(workspace(WorkspaceSlot::rnn_rows, floats)), cap_(floats) {}
  /// src's rows (width elements each) in sorted order, or nullptr for nullptr
  template <class T>
  const T* gather(const T* src, int64_t width) {
    if (!src) return nullptr;
    T* dst = take<T>(width);
    for (size_t i = 0; i < perm_.size(); ++i)
      std::memcpy(dst + int64_t(i) * width, src + perm_[i] * width, sizeof(T) * size_t(width));
    return dst;
  }
  /// the per-row inputs in sorted order (x only when with_x: backward reads it from the workspace)
  RnnInputs inputs(const RnnConfig& cfg, const RnnInputs& in, bool with_x) {
    const int64_t S = cfg.steps, I = cfg.input_size, U = cfg.units;
    RnnInputs p = in;
    if (with_x && I > 0) p.x = gather(in.x, S * I);
    p.mask = gather(in.mask, S);
    p.h0 = gather(in.h0, U);
    p.c0 = gather(in.c0, U);
    p.input_dropout = gather(in.input_dropout, I);
    p.recurrent_dropout = gather(in.recurrent_dropout, U);
    return p;
  }
  /// RnnOutputs or RnnOutputGrads with each of its per-row arrays (sequence, last, h, c) passed
  /// through f(array, width)
  template <class Results, class F>
  static Results each_result(const Results& r, const RnnConfig& cfg, F&& f) {
    const int64_t S = cfg.steps, U = cfg.units;
    Results p;
    p.sequence = f(r.sequence, S * U);
    p.last = f(r.last, U);
    p.h = f(r.h, U);
    p.c = f(r.c, U);
    return p;
  }
  /// a buffer for rows of width floats in sorted order when dst is wanted, else nullptr
  float* output(const float* dst, int64_t width) { return dst ? take<float>(width) : nullptr; }
  /// the sorted rows of src back to batch order in dst
  void scatter(const float* src, int64_t width, float* dst) const {
    if (!dst) return;
    for (size_t i = 0; i < perm_.size(); ++i)
      std::memcpy(dst + perm_[i] * width, src + int64_t(i) * width, sizeof(float) * size_t(width));
  }
  /// floats the copies of `widths` rows of each (byte rows rounded up) take
  static size_t floats(int64_t batch, std::initializer_list<int64_t> widths) {
    size_t n = 0;
    for (int64_t w : widths) n += size_t((batch * w + 15) / 16 * 16);
    return n;
  }

 private:
  template <class T>
  T* take(int64_t width) {
    const size_t n = size_t((int64_t(perm_.size()) * width * int64_t(sizeof(T)) + 63) / 64 * 16);  // whole lines
    // the caller's floats() list must name every array taken: fail here, not past the buffer
    KERNN_CHECK(used_ + n <= cap_, "rnn: internal error: row copies exceed their buffer");
    T* p = reinterpret_cast<T*>(buf_ + used_);
    used_ += n;
    return p;
  }
  const std::vector<int64_t>& perm_;
  float* buf_;
  size_t cap_, used_ = 0;
};

}  // namespace

void rnn_forward(const RnnConfig& cfg, const RnnInputs& in, const RnnOutputs& out, float* ws_user) {
  check(cfg, in);
  const std::vector<int64_t> perm = row_order(cfg, in.mask);
  if (perm.empty()) return forward_rows(cfg, in, out, ws_user);
  const int64_t S = cfg.steps, I = cfg.input_size, U = cfg.units;
  RowCopies rows(perm, RowCopies::floats(cfg.batch, {S * I, S, U, U, I, U, S * U, U, U, U}));
  const RnnInputs pin = rows.inputs(cfg, in, true);
  const RnnOutputs pout = RowCopies::each_result(out, cfg, [&](float* dst, int64_t w) { return rows.output(dst, w); });
  forward_rows(cfg, pin, pout, ws_user);
  rows.scatter(pout.sequence, S * U, out.sequence);
  rows.scatter(pout.last, U, out.last);
  rows.scatter(pout.h, U, out.h);
  rows.scatter(pout.c, U, out.c);
}

void rnn_backward(const RnnConfig& cfg, const RnnInputs& in, const float* ws, const RnnOutputGrads& dout,
                  const RnnGrads& grads) {
  check(cfg, in);
  const std::vector<int64_t> perm = row_order(cfg, in.mask);
  if (perm.empty()) return backward_rows(cfg, in, ws, dout, grads);
  const int64_t S = cfg.steps, I = cfg.input_size, U = cfg.units;
  RowCopies rows(perm, RowCopies::floats(cfg.batch, {S, U, U, I, U, S * U, U, U, U, S * I, U, U}));
  const RnnInputs pin = rows.inputs(cfg, in, false);
  const RnnOutputGrads pdout =
      RowCopies::each_result(dout, cfg, [&](const float* src, int64_t w) { return rows.gather(src, w); });
  RnnGrads pgrads = grads;
  pgrads.x = I > 0 ? rows.output(grads.x, S * I) : grads.x;
  pgrads.h0 = rows.output(grads.h0, U);
  pgrads.c0 = rows.output(grads.c0, U);
  backward_rows(cfg, pin, ws, pdout, pgrads);
  if (I > 0) rows.scatter(pgrads.x, S * I, grads.x);
  rows.scatter(pgrads.h0, U, grads.h0);
  rows.scatter(pgrads.c0, U, grads.c0);
}

}  // namespace kernn
