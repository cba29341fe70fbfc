// Convolution backward: the input gradient (stride 1 as a convolution with the flipped
// kernel through the forward micro-kernels, otherwise GEMM + col2im per image) and the
// kernel and bias gradients (im2col tiles and GEMMs summed into a fixed number of partial
// results, reduced in a fixed order: identical for any thread count).
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv/conv_driver.h"
#include "core/ftz.h"
#include "core/parallel.h"
#include "core/workspace.h"
#include "kernn/error.h"

namespace kernn {
namespace {
using namespace conv_detail;

// dx_img += col2im(col) for output rows [oy0, oy1), group `grp`.
void col2im_add(const ConvGeometry& g, const float* col, int64_t grp, int64_t oy0, int64_t oy1, float* dx_img) {
  const int64_t cg = g.in_c / g.groups, K = g.kernel_h * g.kernel_w * cg;
  float* dxg = dx_img + grp * cg;
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      const float* row = col + ((oy - oy0) * g.out_w + ox) * K;
      const int64_t iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
      for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
        const int64_t iy = iy0 + ky * g.dilation_h;
        if (iy < 0 || iy >= g.in_h) continue;
        const float* src = row + ky * g.kernel_w * cg;
        float* dxrow = dxg + iy * g.in_w * g.in_c;
        for (int64_t kx = 0; kx < g.kernel_w; ++kx, src += cg) {
          const int64_t ix = ix0 + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) continue;
          float* d = dxrow + ix * g.in_c;
          for (int64_t c = 0; c < cg; ++c) d[c] += src[c];
        }
      }
    }
  }
}

// Stride-1 backward-data as a forward convolution of dy with the flipped, transposed kernel.
bool backward_data_as_conv(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  if (g.groups != 1 || g.stride_h != 1 || g.stride_w != 1) return false;
  // the flipped convolution has in_c outputs: too few would waste most of each (narrow) panel
  if (g.in_c * 2 < kernel_table().conv->nr_narrow) return false;
  ConvGeometry t = g;
  t.in_h = g.out_h, t.in_w = g.out_w, t.in_c = g.out_c;
  t.out_h = g.in_h, t.out_w = g.in_w, t.out_c = g.in_c;
  t.pad_top = (g.kernel_h - 1) * g.dilation_h - g.pad_top;
  t.pad_left = (g.kernel_w - 1) * g.dilation_w - g.pad_left;
  if (t.pad_top < 0 || t.pad_left < 0) return false;
  const int64_t NR = igemm_nr(g.in_c);
  const int64_t taps = g.kernel_h * g.kernel_w, C = g.in_c, F = g.out_c;
  float* buf = workspace(WorkspaceSlot::scratch1, size_t(ceil_div(C, NR) * NR * taps * F));
  // tap t' of the flipped kernel is tap taps-1-t' of the original (both axes reversed)
  pack_igemm_weights(taps, F, C, NR, [&](int64_t tp, int64_t f, int64_t c) {
    return w[((taps - 1 - tp) * C + c) * F + f];
  }, buf);
  igemm_conv(t, dy, buf, nullptr, GemmActivation::none, dx);
  return true;
}

// dw = sum over p of partial[p * wsize + e], in order of p, each element by one thread.
void reduce_partials(const float* partial, int64_t parts, int64_t wsize, float* dw) {
  if (parts == 1) {
    if (partial != dw) std::memcpy(dw, partial, sizeof(float) * size_t(wsize));
    return;
  }
  const int64_t chunks = ceil_div(wsize, 1024);
  parallel_for(chunks, chunks > 4, [&](int64_t ch) {
    const int64_t e0 = ch * 1024, e1 = std::min(wsize, e0 + 1024);
    for (int64_t e = e0; e < e1; ++e) {
      float s = partial[e];
      for (int64_t p = 1; p < parts; ++p) s += partial[p * wsize + e];
      dw[e] = s;
    }
  });
}

// Kernel gradient of a groups == 1 convolution by the wgrad micro-kernel: pixels are split
// into fixed blocks of kPixBlock; `parts` fixed ranges of blocks are summed into one partial
// result each (partial + p * wsize), in parallel, each by one thread. The micro-kernel holds
// MR input channels of one tap; with fewer than MR / 2 channels (a first layer's 1 or 3) the
// block's taps are first gathered into rows of K = taps * in_c values, which it then treats
// as the channels of a single tap.
constexpr int64_t kPixBlock = 128;

void wgrad_partials(const ConvGeometry& g, const float* x, const float* dy, int64_t parts, int64_t items,
                    int64_t blocks_per_img, float* partial, float* bias_partial) {
  const conv::ConvKernels& k = *kernel_table().conv;
  const int64_t MR = k.mr, NR = igemm_nr(g.out_c);
  const conv::ConvWgradUkernel ukernel = NR == k.nr ? k.wgrad : k.wgrad_narrow;
  const int64_t taps = g.kernel_h * g.kernel_w, C = g.in_c, F = g.out_c, panels = ceil_div(F, NR);
  const int64_t pix = g.out_h * g.out_w, in_img = g.in_h * g.in_w * C, wsize = taps * C * F;
  const bool via_col = 2 * C < MR;
  const int64_t utaps = via_col ? 1 : taps, uc = via_col ? taps * C : C;  // as the micro-kernel sees them
  const int nt = get_num_threads();
#pragma omp parallel num_threads(nt) if (nt > 1 && parts > 1 && conv_flops(g) >= kParallelFlops)
  {
    FlushDenormalsWorker worker_ftz;
    static thread_local std::vector<const float*> ptr_buf;
    static thread_local std::vector<float> zero_buf, dy_buf, col_buf;
    if (ptr_buf.size() < size_t((taps + 1) * kPixBlock)) ptr_buf.resize(size_t((taps + 1) * kPixBlock));
    if (zero_buf.size() < size_t(C)) zero_buf.assign(size_t(C), 0.0f);
    if (dy_buf.size() < size_t(kPixBlock * NR)) dy_buf.resize(size_t(kPixBlock * NR));
    if (via_col && col_buf.size() < size_t(kPixBlock * taps * C)) col_buf.resize(size_t(kPixBlock * taps * C));
    const float** pp = ptr_buf.data();
    const float** cp = pp + taps * kPixBlock;  // via_col: the gathered rows
    float* col = col_buf.data();
    const float* zp = zero_buf.data();
    float* dyp = dy_buf.data();
    int64_t off[64];  // tap t of a pixel whose taps are all inside: x + off[t] (taps <= 64 here)
    const bool use_off = taps <= 64;
    for (int64_t ky = 0, t = 0; use_off && ky < g.kernel_h; ++ky)
      for (int64_t kx = 0; kx < g.kernel_w; ++kx, ++t) off[t] = (ky * g.dilation_h * g.in_w + kx * g.dilation_w) * C;
    const int64_t span_h = (g.kernel_h - 1) * g.dilation_h, span_w = (g.kernel_w - 1) * g.dilation_w;
#pragma omp for schedule(dynamic, 1)  // parts are few and large; each owns its partial sums
    for (int64_t p = 0; p < parts; ++p) {
      float* acc = partial + p * wsize;
      std::memset(acc, 0, sizeof(float) * size_t(wsize));
      float* bacc = bias_partial ? bias_partial + p * F : nullptr;  // the bias gradient, from the same dy reads
      if (bacc) std::memset(bacc, 0, sizeof(float) * size_t(F));
      for (int64_t item = items * p / parts; item < items * (p + 1) / parts; ++item) {
        const int64_t n = item / blocks_per_img, p0 = (item % blocks_per_img) * kPixBlock;
        const int64_t P = std::min(kPixBlock, pix - p0);
        const float* x_img = x + n * in_img;
        int64_t oy = p0 / g.out_w, ox = p0 % g.out_w;
        for (int64_t i = 0; i < P; ++i, ++ox) {
          if (ox == g.out_w) ox = 0, ++oy;
          const int64_t iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
          if (use_off && iy0 >= 0 && iy0 + span_h < g.in_h && ix0 >= 0 && ix0 + span_w < g.in_w) {
            const float* base = x_img + (iy0 * g.in_w + ix0) * C;
            for (int64_t t = 0; t < taps; ++t) pp[t * kPixBlock + i] = base + off[t];
            continue;
          }
          for (int64_t ky = 0, t = 0; ky < g.kernel_h; ++ky) {
            const int64_t iy = iy0 + ky * g.dilation_h;
            const bool row_in = iy >= 0 && iy < g.in_h;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx, ++t) {
              const int64_t ix = ix0 + kx * g.dilation_w;
              pp[t * kPixBlock + i] = row_in && ix >= 0 && ix < g.in_w ? x_img + (iy * g.in_w + ix) * C : zp;
            }
          }
        }
        const float* const* xp = pp;
        if (via_col) {
          for (int64_t i = 0; i < P; ++i) {
            float* row = col + i * uc;
            for (int64_t t = 0; t < taps; ++t)
              for (int64_t c = 0; c < C; ++c) row[t * C + c] = pp[t * kPixBlock + i][c];
            cp[i] = row;
          }
          xp = cp;
        }
        const float* dy_blk = dy + (n * pix + p0) * F;
        for (int64_t q = 0; q < panels; ++q) {
          const int64_t nq = std::min(NR, F - q * NR);
          // a full panel is read in place (F apart); a ragged one is copied, zero-padded
          const float* dq = dy_blk + q * NR;
          int64_t dq_rs = F;
          if (nq < NR) {
            for (int64_t i = 0; i < P; ++i) {
              std::memcpy(dyp + i * NR, dy_blk + i * F + q * NR, sizeof(float) * size_t(nq));
              std::fill(dyp + i * NR + nq, dyp + (i + 1) * NR, 0.0f);
            }
            dq = dyp;
            dq_rs = NR;
          }
          // taps inner: at stride 1 a pixel's next tap is its neighbour's line, still in L1
          // the first call of a panel also sums its dy rows into the bias gradient
          for (int64_t c0 = 0; c0 < uc; c0 += MR)
            for (int64_t t = 0; t < utaps; ++t)
              ukernel(P, xp + t * kPixBlock, c0, std::min(MR, uc - c0), dq, dq_rs, acc + t * uc * F + q * NR, F, nq,
                      bacc && c0 == 0 && t == 0 ? bacc + q * NR : nullptr);
        }
      }
    }
  }
}

// groups == 1, strided (or few input channels): per image, tiles of dcol = dy W^T by the
// igemm micro-kernel (one kernel tap, dy's F channels as its inputs, the K = taps * in_c
// kernel rows as its outputs), each added into dx by col2im in order. Images run in
// parallel, each owned by one thread.
void backward_data_col2im(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  const conv::ConvKernels& k = *kernel_table().conv;
  const int64_t F = g.out_c, K = g.kernel_h * g.kernel_w * g.in_c;
  const int64_t MR = k.mr, NR = igemm_nr(K), panels = ceil_div(K, NR);
  const conv::ConvIgemmUkernel ukernel = NR == k.nr ? k.igemm : k.igemm_narrow;
  float* packed = workspace(WorkspaceSlot::scratch1, size_t(panels * NR * F));
  pack_igemm_weights(1, F, K, NR, [&](int64_t, int64_t f, int64_t j) { return w[j * F + f]; }, packed);
  const int64_t out_img = g.out_h * g.out_w * F, in_img = g.in_h * g.in_w * g.in_c;
  const int64_t trows = tile_rows(g, K), ntiles = ceil_div(g.out_h, trows);
  const int nt = get_num_threads();
#pragma omp parallel num_threads(nt) if (nt > 1 && g.batch > 1 && conv_flops(g) >= kParallelFlops)
  {
    FlushDenormalsWorker worker_ftz;
    static thread_local std::vector<float> zero_buf;
    if (zero_buf.size() < size_t(F)) zero_buf.assign(size_t(F), 0.0f);
    const float* zp = zero_buf.data();
    float* col = workspace(WorkspaceSlot::scratch0, size_t(trows * g.out_w * K));
    const float* ptrs[64];  // MR <= 64
#pragma omp for schedule(dynamic, 1)  // one image per hand-out
    for (int64_t n = 0; n < g.batch; ++n) {
      float* dx_img = dx + n * in_img;
      std::memset(dx_img, 0, sizeof(float) * size_t(in_img));
      for (int64_t t = 0; t < ntiles; ++t) {
        const int64_t oy0 = t * trows, oy1 = std::min(g.out_h, oy0 + trows), M = (oy1 - oy0) * g.out_w;
        const float* dyt = dy + n * out_img + oy0 * g.out_w * F;
        for (int64_t p = 0; p < M; p += MR) {
          const int64_t m = std::min(MR, M - p);
          for (int64_t i = 0; i < MR; ++i) ptrs[i] = i < m ? dyt + (p + i) * F : zp;
          for (int64_t q = 0; q < panels; ++q)
            ukernel(1, F, ptrs, packed + q * F * NR, col + p * K + q * NR, K, m, std::min(NR, K - q * NR),
                    nullptr, GemmActivation::none);
        }
        col2im_add(g, col, 0, oy0, oy1, dx_img);
      }
    }
  }
}

}  // namespace

void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  check_conv_geometry(g, "conv2d_backward_data");
  FlushDenormals ftz;  // this thread; each parallel region's workers set their own
  const int64_t out_img = g.out_h * g.out_w * g.out_c, in_img = g.in_h * g.in_w * g.in_c;
  if (g.batch == 0 || in_img == 0) return;
  if (out_img == 0) {
    std::memset(dx, 0, sizeof(float) * size_t(g.batch * in_img));
    return;
  }
  if (is_pointwise(g)) {
    sgemm(Trans::no, Trans::yes, g.batch * g.in_h * g.in_w, g.in_c, g.out_c, 1.0f, dy, g.out_c, w, g.out_c, 0.0f,
          dx, g.in_c);
    return;
  }
  if (is_depthwise(g) && g.out_c == g.in_c && g.stride_h == 1 && g.stride_w == 1 &&
      g.pad_top <= (g.kernel_h - 1) * g.dilation_h && g.pad_left <= (g.kernel_w - 1) * g.dilation_w) {
    // stride 1: the input gradient is a depthwise convolution of dy with the flipped kernel
    ConvGeometry t = g;
    t.in_h = g.out_h, t.in_w = g.out_w, t.out_h = g.in_h, t.out_w = g.in_w;
    t.pad_top = (g.kernel_h - 1) * g.dilation_h - g.pad_top;
    t.pad_left = (g.kernel_w - 1) * g.dilation_w - g.pad_left;
    const int64_t taps = g.kernel_h * g.kernel_w, C = g.in_c;
    float* wf = workspace(WorkspaceSlot::scratch1, size_t(taps * C));
    for (int64_t tp = 0; tp < taps; ++tp) std::memcpy(wf + tp * C, w + (taps - 1 - tp) * C, sizeof(float) * size_t(C));
    conv2d_forward(t, dy, wf, nullptr, GemmActivation::none, dx);
    return;
  }
  if (is_depthwise(g)) {
    const auto& k = dw_kernels();
    const int64_t rows = g.batch * g.in_h;
    parallel_for(rows, rows > 1 && conv_flops(g) >= kParallelFlops, [&](int64_t r) {
      const int64_t n = r / g.in_h, iy = r % g.in_h;
      k.backward_data_row(g, dy + n * out_img, w, iy, dx + n * in_img + iy * g.in_w * g.in_c);
    });
    return;
  }
  if (backward_data_as_conv(g, dy, w, dx)) return;
  if (g.groups == 1) return backward_data_col2im(g, dy, w, dx);
  const int64_t cg = g.in_c / g.groups, fg = g.out_c / g.groups, K = g.kernel_h * g.kernel_w * cg;
  const int64_t trows = tile_rows(g, K), ntiles = ceil_div(g.out_h, trows);
  // Work items own whole images of dx (their tiles overlap there, so they are added in order).
  // Small images go several to an item so that each GEMM has enough rows.
  const int64_t ipi = ntiles == 1 ? images_per_item(g, K) : 1;
  for_items(ceil_div(g.batch, ipi), conv_flops(g), [&](int64_t it) {
    const int64_t n0 = it * ipi, n1 = std::min(g.batch, n0 + ipi);
    std::memset(dx + n0 * in_img, 0, sizeof(float) * size_t((n1 - n0) * in_img));
    for (int64_t t = 0; t < ntiles; ++t) {
      const int64_t oy0 = t * trows, oy1 = std::min(g.out_h, oy0 + trows), rows = (oy1 - oy0) * g.out_w;
      const int64_t M = rows * (n1 - n0);  // images are consecutive rows of dy when ntiles == 1
      float* col = workspace(WorkspaceSlot::scratch0, size_t(M * K));
      const float* dyt = dy + n0 * out_img + oy0 * g.out_w * g.out_c;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        sgemm(Trans::no, Trans::yes, M, K, fg, 1.0f, dyt + grp * fg, g.out_c, w + grp * fg, g.out_c, 0.0f, col, K);
        for (int64_t n = n0; n < n1; ++n)
          col2im_add(g, col + (n - n0) * rows * K, grp, oy0, oy1, dx + n * in_img);
      }
    }
  });
}

void column_sums(int64_t rows, int64_t cols, const float* x, float* out) {
  KERNN_CHECK(rows >= 0 && cols >= 0, "column_sums: sizes must be >= 0. Received: rows=", rows, ", cols=", cols);
  FlushDenormals ftz;
  if (cols == 0) return;
  const int64_t parts = std::min<int64_t>(kPartials, std::max<int64_t>(1, rows / 64));
  float* partial = workspace(WorkspaceSlot::scratch1, size_t(parts * cols));
  parallel_for(parts, parts > 1 && rows * cols >= 65536, [&](int64_t p) {
    float* acc = partial + p * cols;
    std::fill(acc, acc + cols, 0.0f);
    for (int64_t r = rows * p / parts; r < rows * (p + 1) / parts; ++r) {
      const float* xr = x + r * cols;
      for (int64_t c = 0; c < cols; ++c) acc[c] += xr[c];
    }
  });
  for (int64_t c = 0; c < cols; ++c) out[c] = partial[c];
  for (int64_t p = 1; p < parts; ++p)
    for (int64_t c = 0; c < cols; ++c) out[c] += partial[p * cols + c];
}

void conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw, float* dbias) {
  check_conv_geometry(g, "conv2d_backward_filter");
  FlushDenormals ftz;
  const int64_t out_img = g.out_h * g.out_w * g.out_c, in_img = g.in_h * g.in_w * g.in_c;
  const int64_t cg = g.in_c / g.groups, fg = g.out_c / g.groups, K = g.kernel_h * g.kernel_w * cg;
  const int64_t wsize = K * g.out_c;
  // With fewer than MR / 2 input channels and a full wide panel of filters (C1: 1 channel, 32
  // filters) im2col tiles through the GEMM beat gathering rows for the micro-kernel (0.62 vs
  // 0.94 ms); with fewer filters (E5's first layer, 16) the gathered rows win (0.77 vs 1.05).
  const conv::ConvKernels& ck = *kernel_table().conv;
  const bool gemm_tiles = 2 * g.in_c < ck.mr && g.out_c >= ck.nr;
  // the wgrad micro-kernel path sums the bias gradient while it packs dy; the others here
  const bool ukernel_path = g.groups == 1 && !gemm_tiles && !use_dot(g) && !is_pointwise(g);
  if (dbias && !(ukernel_path && g.batch > 0 && out_img > 0))
    column_sums(g.batch * g.out_h * g.out_w, g.out_c, dy, dbias);
  if (g.batch == 0 || out_img == 0) {
    std::memset(dw, 0, sizeof(float) * size_t(wsize));
    return;
  }
  if (is_pointwise(g)) {
    sgemm(Trans::yes, Trans::no, g.in_c, g.out_c, g.batch * g.in_h * g.in_w, 1.0f, x, g.in_c, dy, g.out_c, 0.0f,
          dw, g.out_c);
    return;
  }
  const bool dwise = is_depthwise(g);
  if (use_dot(g)) {  // few filters: segment-dot partial sums over rows of output pixels
    const conv::ConvKernels& k = *kernel_table().conv;
    const int64_t kh = g.kernel_h, seg = g.kernel_w * g.in_c, F = g.out_c;
    const int64_t items = g.batch * g.out_h, parts = std::min<int64_t>(kPartials, items);
    float* partial = workspace(WorkspaceSlot::scratch1, size_t(parts * wsize));
    const int nt = get_num_threads();
#pragma omp parallel num_threads(nt) if (nt > 1 && parts > 1 && conv_flops(g) >= kParallelFlops)
    {
      FlushDenormalsWorker worker_ftz;
      const DotScratch scratch = dot_scratch(g);
#pragma omp for schedule(dynamic, 1)  // parts are few and large; each owns its partial sums
      for (int64_t p = 0; p < parts; ++p) {
        float* acc = partial + p * wsize;
        std::memset(acc, 0, sizeof(float) * size_t(wsize));
        for (int64_t item = items * p / parts; item < items * (p + 1) / parts; ++item) {
          dot_segments(g, x + (item / g.out_h) * in_img, item % g.out_h, scratch);
          k.dot_wgrad(g.out_w, kh, seg, scratch.rows, dy + item * g.out_w * F, F, acc);
        }
      }
    }
    reduce_partials(partial, parts, wsize, partial);  // (F, kh, seg) -> the kernel's (kh, kw, C, F)
    for (int64_t f = 0; f < F; ++f)
      for (int64_t j = 0; j < kh * seg; ++j) dw[j * F + f] = partial[f * kh * seg + j];
    return;
  }
  if (ukernel_path) {
    const int64_t blocks_per_img = ceil_div(g.out_h * g.out_w, kPixBlock), items = g.batch * blocks_per_img;
    const int64_t by_pixels = std::max<int64_t>(1, g.batch * g.out_h * g.out_w / kMinPartPixels);
    const int64_t parts = std::min<int64_t>({kPartials, items, by_pixels}), F = g.out_c;
    float* partial = workspace(WorkspaceSlot::scratch1, size_t(parts * (wsize + F)));
    float* bias_partial = dbias ? partial + parts * wsize : nullptr;
    wgrad_partials(g, x, dy, parts, items, blocks_per_img, partial, bias_partial);
    reduce_partials(partial, parts, wsize, dw);
    if (dbias)
      for (int64_t f = 0; f < F; ++f) {
        float sum = bias_partial[f];
        for (int64_t p = 1; p < parts; ++p) sum += bias_partial[p * F + f];
        dbias[f] = sum;
      }
    return;
  }
  const int64_t trows = dwise ? 1 : tile_rows(g, K), ntiles = ceil_div(g.out_h, trows);
  // a work item is one tile of one image, or (small images) several whole images
  const int64_t ipi = !dwise && ntiles == 1 ? images_per_item(g, K) : 1;
  const int64_t items = ntiles == 1 ? ceil_div(g.batch, ipi) : g.batch * ntiles;
  const int64_t parts = std::min<int64_t>(kPartials, items);
  // partial sums live in the calling thread's workspace, one per part
  float* partial = parts > 1 ? workspace(WorkspaceSlot::scratch1, size_t(parts * wsize)) : dw;
  const auto& dk = dw_kernels();
  auto part = [&](int64_t p) {
    float* acc = partial + p * wsize;
    bool first = true;
    if (dwise) std::memset(acc, 0, sizeof(float) * size_t(wsize));
    for (int64_t item = items * p / parts; item < items * (p + 1) / parts; ++item) {
      const int64_t n = item / ntiles, oy0 = (item % ntiles) * trows, oy1 = std::min(g.out_h, oy0 + trows);
      const float* dyt = dy + n * out_img + oy0 * g.out_w * g.out_c;
      if (dwise) {
        for (int64_t oy = oy0; oy < oy1; ++oy)
          dk.backward_filter_row(g, x + n * in_img, dyt + (oy - oy0) * g.out_w * g.out_c, oy, acc, nullptr);
        continue;
      }
      const int64_t n1 = ntiles == 1 ? std::min(g.batch, (n + 1) * ipi) : n + 1;  // images n*ipi .. n1
      const int64_t nstart = ntiles == 1 ? n * ipi : n;
      const int64_t rows = (oy1 - oy0) * g.out_w, M = rows * (n1 - nstart);
      float* col = workspace(WorkspaceSlot::scratch0, size_t(M * K));
      dyt = dy + nstart * out_img + oy0 * g.out_w * g.out_c;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        for (int64_t i = nstart; i < n1; ++i) im2col(g, x + i * in_img, grp, oy0, oy1, col + (i - nstart) * rows * K);
        if (few_outputs(fg, K))  // dW^T (fg x K) = dy^T col: the K kernel rows fill the vector lanes
          sgemm_strided(fg, K, M, 1.0f, dyt + grp * fg, 1, g.out_c, col, K, 1, first ? 0.0f : 1.0f, acc + grp * fg, 1,
                        g.out_c);
        else
          sgemm(Trans::yes, Trans::no, K, fg, M, 1.0f, col, K, dyt + grp * fg, g.out_c, first ? 0.0f : 1.0f,
                acc + grp * fg, g.out_c);
      }
      first = false;
    }
  };
  if (dwise) {  // direct kernels only: the parts run in parallel
    parallel_for(parts, parts > 1 && conv_flops(g) >= kParallelFlops, [&](int64_t p) {
      part(p);
    });
  } else {
    for_items(parts, conv_flops(g), part);
  }
  if (parts > 1) reduce_partials(partial, parts, wsize, dw);
}

}  // namespace kernn
