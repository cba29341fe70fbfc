// Convolution forward: geometry (Keras padding rules) and the algorithm per shape: one GEMM
// for 1x1 stride-1 convolutions, the direct per-ISA depthwise rows, the indirect-GEMM
// micro-kernel (a pointer per pixel and tap, no im2col copy) for groups == 1, and im2col
// tiles feeding kernn::sgemm for other grouped convolutions.
//
// Determinism: every output element is produced by one work item in a fixed order. Work
// items are either spread over threads (each GEMM then runs on its thread alone, as a nested
// OpenMP region is inactive) or run one after another with all threads inside each GEMM;
// kernn::sgemm gives identical results for any thread count, so both give the same bits.
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
namespace conv_detail {

// col (rows*out_w, K) for output rows [oy0, oy1) of one image, channels of group `grp`.
// Column order (ky, kx, ci) matches the kernel's row order.
void im2col(const ConvGeometry& g, const float* x_img, int64_t grp, int64_t oy0, int64_t oy1, float* col) {
  const int64_t cg = g.in_c / g.groups, K = g.kernel_h * g.kernel_w * cg;
  const float* xg = x_img + grp * cg;
  for (int64_t oy = oy0; oy < oy1; ++oy) {
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      float* row = col + ((oy - oy0) * g.out_w + ox) * K;
      const int64_t iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
      for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
        const int64_t iy = iy0 + ky * g.dilation_h;
        float* dst = row + ky * g.kernel_w * cg;
        if (iy < 0 || iy >= g.in_h) {
          std::memset(dst, 0, sizeof(float) * size_t(g.kernel_w * cg));
          continue;
        }
        const float* xrow = xg + iy * g.in_w * g.in_c;
        for (int64_t kx = 0; kx < g.kernel_w; ++kx, dst += cg) {
          const int64_t ix = ix0 + kx * g.dilation_w;
          if (ix < 0 || ix >= g.in_w) {
            std::memset(dst, 0, sizeof(float) * size_t(cg));
          } else if (cg == 1) {
            *dst = xrow[ix * g.in_c];
          } else {
            std::memcpy(dst, xrow + ix * g.in_c, sizeof(float) * size_t(cg));
          }
        }
      }
    }
  }
}

DotScratch dot_scratch(const ConvGeometry& g) {
  static thread_local std::vector<const float*> rows;
  static thread_local std::vector<float> edge, zeros;
  const size_t n = size_t(g.out_w * g.kernel_h), seg = size_t(g.kernel_w * g.in_c);
  if (rows.size() < n) rows.resize(n);
  if (edge.size() < n * seg) edge.resize(n * seg);
  if (zeros.size() < seg) zeros.assign(seg, 0.0f);
  return {rows.data(), edge.data(), zeros.data()};
}

void dot_segments(const ConvGeometry& g, const float* x_img, int64_t oy, const DotScratch& s) {
  const float** rows = s.rows;
  float* edge = s.edge;
  const float* zeros = s.zeros;
  const int64_t kh = g.kernel_h, kw = g.kernel_w, C = g.in_c, seg = kw * C, W = g.out_w;
  // the pixels whose segments lie inside the image: ox in [lo, hi)
  const int64_t lo = std::min(W, ceil_div(g.pad_left, g.stride_w));
  const int64_t hi = std::max(lo, std::min(W, g.in_w >= kw ? (g.in_w - kw + g.pad_left) / g.stride_w + 1 : 0));
  for (int64_t r = 0; r < kh; ++r) {
    const int64_t iy = oy * g.stride_h - g.pad_top + r * g.dilation_h;
    if (iy < 0 || iy >= g.in_h) {
      for (int64_t ox = 0; ox < W; ++ox) rows[ox * kh + r] = zeros;
      continue;
    }
    const float* xrow = x_img + iy * g.in_w * C;
    const int64_t step = g.stride_w * C;
    const float* p = xrow + (lo * g.stride_w - g.pad_left) * C;
    for (int64_t ox = lo; ox < hi; ++ox, p += step) rows[ox * kh + r] = p;
    for (int64_t ox = 0; ox < W; ++ox) {
      if (ox == lo) ox = hi;
      if (ox >= W) break;
      const int64_t ix0 = ox * g.stride_w - g.pad_left;
      float* dst = edge + (ox * kh + r) * seg;
      for (int64_t kx = 0; kx < kw; ++kx) {
        const int64_t ix = ix0 + kx;
        if (ix >= 0 && ix < g.in_w) std::memcpy(dst + kx * C, xrow + ix * C, sizeof(float) * size_t(C));
        else std::memset(dst + kx * C, 0, sizeof(float) * size_t(C));
      }
      rows[ox * kh + r] = dst;
    }
  }
}

// Few filters (use_dot): one work item per output row of an image, each row's pixels by
// the segment-dot kernel; the kernel is transposed once to (F, kh, seg).
void dot_conv(const ConvGeometry& g, const float* x, const float* w, const float* bias, GemmActivation act,
              float* y) {
  const conv::ConvKernels& k = *kernel_table().conv;
  const int64_t kh = g.kernel_h, seg = g.kernel_w * g.in_c, F = g.out_c, in_img = g.in_h * g.in_w * g.in_c;
  float* wt = workspace(WorkspaceSlot::scratch1, size_t(F * kh * seg));
  for (int64_t f = 0; f < F; ++f)
    for (int64_t j = 0; j < kh * seg; ++j) wt[f * kh * seg + j] = w[j * F + f];
  const int64_t items = g.batch * g.out_h;
  const int nt = get_num_threads();
#pragma omp parallel num_threads(nt) if (nt > 1 && items > 1 && conv_flops(g) >= kParallelFlops)
  {
    FlushDenormalsWorker worker_ftz;
    const DotScratch scratch = dot_scratch(g);
#pragma omp for schedule(dynamic, dynamic_chunk(items, nt))
    for (int64_t item = 0; item < items; ++item) {
      const int64_t n = item / g.out_h, oy = item % g.out_h;
      dot_segments(g, x + n * in_img, oy, scratch);
      k.dot_forward(g.out_w, kh, seg, scratch.rows, wt, F, bias, act, y + item * g.out_w * F);
    }
  }
}

// The igemm panel width for `cout` output channels: the narrow tile (one vector) when the
// wide one would be mostly empty.
int64_t igemm_nr(int64_t cout) {
  const conv::ConvKernels& k = *kernel_table().conv;
  return cout <= k.nr_narrow ? k.nr_narrow : k.nr;
}

// Convolution (groups == 1) by the indirect-GEMM micro-kernel over blocks of output pixels.
// `packed` from pack_igemm_weights; bias_pad (panels * NR, zero-padded) may be null.
void igemm_conv(const ConvGeometry& g, const float* x, const float* packed, const float* bias_pad,
                GemmActivation act, float* y) {
  const conv::ConvKernels& k = *kernel_table().conv;
  const int64_t MR = k.mr, NR = igemm_nr(g.out_c);
  const conv::ConvIgemmUkernel ukernel = NR == k.nr ? k.igemm : k.igemm_narrow;
  const int64_t taps = g.kernel_h * g.kernel_w, C = g.in_c, F = g.out_c, panels = ceil_div(F, NR);
  const int64_t pix = g.out_h * g.out_w, in_img = g.in_h * g.in_w * C;
  // tiles run over the pixels of all images in a row (a tile may end one image and start the
  // next), so an image's last few pixels do not make a short tile of their own
  const int64_t per_item = MR * 16, total = g.batch * pix, items = ceil_div(total, per_item);
  const int nt = get_num_threads();
#pragma omp parallel num_threads(nt) if (nt > 1 && items > 1 && conv_flops(g) >= kParallelFlops)
  {
    FlushDenormalsWorker worker_ftz;
    static thread_local std::vector<const float*> ptrs;
    static thread_local std::vector<float> zeros;
    static thread_local std::vector<int64_t> offsets;
    if (ptrs.size() < size_t(taps * MR)) ptrs.resize(size_t(taps * MR));
    if (zeros.size() < size_t(C)) zeros.assign(size_t(C), 0.0f);
    if (offsets.size() < size_t(taps)) offsets.resize(size_t(taps));
    // plain pointers: thread_local lookups stay out of the loops
    const float** pp = ptrs.data();
    const float* zp = zeros.data();
    int64_t* off = offsets.data();  // tap t of a pixel whose taps are all inside: x + off[t]
    for (int64_t ky = 0, t = 0; ky < g.kernel_h; ++ky)
      for (int64_t kx = 0; kx < g.kernel_w; ++kx, ++t) off[t] = (ky * g.dilation_h * g.in_w + kx * g.dilation_w) * C;
    const int64_t span_h = (g.kernel_h - 1) * g.dilation_h, span_w = (g.kernel_w - 1) * g.dilation_w;
#pragma omp for schedule(dynamic, dynamic_chunk(items, nt))
    for (int64_t item = 0; item < items; ++item) {
      const int64_t p0 = item * per_item, p1 = std::min(total, p0 + per_item);
      for (int64_t p = p0; p < p1; p += MR) {
        const int64_t m = std::min(MR, p1 - p);
        int64_t oy = p % pix / g.out_w, ox = p % g.out_w;
        const float* x_img = x + p / pix * in_img;
        for (int64_t i = 0; i < MR; ++i, ++ox) {
          if (ox == g.out_w) {
            ox = 0;
            if (++oy == g.out_h) oy = 0, x_img += in_img;
          }
          if (i >= m) {
            for (int64_t t = 0; t < taps; ++t) pp[t * MR + i] = zp;
            continue;
          }
          const int64_t iy0 = oy * g.stride_h - g.pad_top, ix0 = ox * g.stride_w - g.pad_left;
          if (iy0 >= 0 && iy0 + span_h < g.in_h && ix0 >= 0 && ix0 + span_w < g.in_w) {
            const float* base = x_img + (iy0 * g.in_w + ix0) * C;
            for (int64_t t = 0; t < taps; ++t) pp[t * MR + i] = base + off[t];
            continue;
          }
          for (int64_t ky = 0, t = 0; ky < g.kernel_h; ++ky) {
            const int64_t iy = iy0 + ky * g.dilation_h;
            const bool row_in = iy >= 0 && iy < g.in_h;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx, ++t) {
              const int64_t ix = ix0 + kx * g.dilation_w;
              pp[t * MR + i] = row_in && ix >= 0 && ix < g.in_w ? x_img + (iy * g.in_w + ix) * C : zp;
            }
          }
        }
        float* yp = y + p * F;
        for (int64_t q = 0; q < panels; ++q)
          ukernel(taps, C, pp, packed + q * taps * C * NR, yp + q * NR, F, m, std::min(NR, F - q * NR),
                  bias_pad ? bias_pad + q * NR : nullptr, act);
      }
    }
  }
}
}  // namespace conv_detail

namespace {
using namespace conv_detail;

// Packed kernel + padded bias in the calling thread's workspace (scratch1).
float* igemm_pack_forward(const ConvGeometry& g, const float* w, const float* bias, float** bias_pad) {
  const int64_t NR = igemm_nr(g.out_c);
  const int64_t taps = g.kernel_h * g.kernel_w, C = g.in_c, F = g.out_c, panels = ceil_div(F, NR);
  float* buf = workspace(WorkspaceSlot::scratch1, size_t(panels * NR * (taps * C + 1)));
  pack_igemm_weights(taps, C, F, NR, [&](int64_t t, int64_t c, int64_t j) { return w[(t * C + c) * F + j]; }, buf);
  *bias_pad = nullptr;
  if (bias) {
    *bias_pad = buf + panels * NR * taps * C;
    for (int64_t j = 0; j < panels * NR; ++j) (*bias_pad)[j] = j < F ? bias[j] : 0.0f;
  }
  return buf;
}

}  // namespace

ConvAxis conv_axis(int64_t in, int64_t k, int64_t s, int64_t d, Padding padding) {
  KERNN_CHECK(in >= 0, "conv: input length must be >= 0. Received: ", in);
  KERNN_CHECK(k >= 1, "conv: kernel size must be >= 1. Received: ", k);
  KERNN_CHECK(s >= 1, "conv: strides must be >= 1. Received: ", s);
  KERNN_CHECK(d >= 1, "conv: dilation_rate must be >= 1. Received: ", d);
  const int64_t span = (k - 1) * d + 1;
  switch (padding) {
    case Padding::valid:
      return {in >= span ? (in - span) / s + 1 : 0, 0};
    case Padding::same: {
      const int64_t out = ceil_div(in, s);
      const int64_t total = std::max<int64_t>((out - 1) * s + span - in, 0);
      return {out, total / 2};
    }
    case Padding::causal:
      return {ceil_div(in, s), span - 1};
  }
  detail::throw_error("conv: unknown padding code ", int(padding));
}

ConvAxis conv_transpose_axis(int64_t in, int64_t k, int64_t s, int64_t d, Padding padding, int64_t op) {
  KERNN_CHECK(in >= 0, "conv_transpose: input length must be >= 0. Received: ", in);
  KERNN_CHECK(k >= 1 && s >= 1 && d >= 1, "conv_transpose: kernel size, strides and dilation_rate must be >= 1. "
              "Received: kernel_size=", k, ", strides=", s, ", dilation_rate=", d);
  KERNN_CHECK(padding != Padding::causal, "conv_transpose: padding must be 'valid' or 'same'. Received: causal");
  KERNN_CHECK(op < 0 || op < s, "conv_transpose: output_padding must be smaller than strides. Received: "
              "output_padding=", op, ", strides=", s);
  const int64_t span = (k - 1) * d + 1;
  int64_t left;  // zeros before the stride-dilated input in the equivalent direct convolution
  int64_t right;
  if (padding == Padding::valid) {
    const int64_t extra = op < 0 ? std::max(span, s) - span : op;
    left = span - 1;
    right = span - 1 + extra;
  } else {
    const int64_t pad_len = op < 0 ? s + span - 2 : span + span % 2 - 2 + op;
    left = std::min(pad_len / 2 + pad_len % 2, span - 1);
    right = pad_len - left;
  }
  const int64_t out = in == 0 ? 0 : (in - 1) * s + 1 + left + right - span + 1;
  return {std::max<int64_t>(out, 0), span - 1 - left};
}

ConvGeometry conv2d_geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t in_c, int64_t kh, int64_t kw,
                             int64_t filters, int64_t sh, int64_t sw, int64_t dh, int64_t dw, Padding padding,
                             int64_t groups) {
  ConvGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.in_c = in_c;
  g.out_c = filters;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.stride_h = sh;
  g.stride_w = sw;
  g.dilation_h = dh;
  g.dilation_w = dw;
  g.groups = groups;
  // causal applies to the width (1-D); the unit height axis has nothing to pad
  const ConvAxis ay = conv_axis(in_h, kh, sh, dh, padding == Padding::causal ? Padding::valid : padding);
  const ConvAxis ax = conv_axis(in_w, kw, sw, dw, padding);
  g.out_h = ay.out;
  g.pad_top = ay.pad_before;
  g.out_w = ax.out;
  g.pad_left = ax.pad_before;
  return g;
}

ConvGeometry conv2d_transpose_geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t in_c, int64_t kh,
                                       int64_t kw, int64_t filters, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
                                       Padding padding, int64_t oph, int64_t opw) {
  const ConvAxis ay = conv_transpose_axis(in_h, kh, sh, dh, padding, oph);
  const ConvAxis ax = conv_transpose_axis(in_w, kw, sw, dw, padding, opw);
  ConvGeometry g;  // the forward convolution: from the transposed output back to its input
  g.batch = batch;
  g.in_h = ay.out;
  g.in_w = ax.out;
  g.in_c = filters;
  g.out_h = in_h;
  g.out_w = in_w;
  g.out_c = in_c;
  g.kernel_h = kh;
  g.kernel_w = kw;
  g.stride_h = sh;
  g.stride_w = sw;
  g.dilation_h = dh;
  g.dilation_w = dw;
  g.pad_top = ay.pad_before;
  g.pad_left = ax.pad_before;
  return g;
}

void check_conv_geometry(const ConvGeometry& g, const char* fn) {
  KERNN_CHECK(g.batch >= 0 && g.in_h >= 0 && g.in_w >= 0 && g.out_h >= 0 && g.out_w >= 0, fn,
              ": sizes must be >= 0. Received: batch=", g.batch, ", input ", g.in_h, "x", g.in_w, ", output ",
              g.out_h, "x", g.out_w);
  KERNN_CHECK(g.in_c >= 1 && g.out_c >= 1, fn, ": channels must be >= 1. Received: in_c=", g.in_c,
              ", out_c=", g.out_c);
  KERNN_CHECK(g.kernel_h >= 1 && g.kernel_w >= 1, fn, ": kernel size must be >= 1. Received: ", g.kernel_h,
              "x", g.kernel_w);
  KERNN_CHECK(g.stride_h >= 1 && g.stride_w >= 1, fn, ": strides must be >= 1. Received: ", g.stride_h, "x",
              g.stride_w);
  KERNN_CHECK(g.dilation_h >= 1 && g.dilation_w >= 1, fn, ": dilation_rate must be >= 1. Received: ",
              g.dilation_h, "x", g.dilation_w);
  KERNN_CHECK(g.pad_top >= 0 && g.pad_left >= 0, fn, ": padding must be >= 0. Received: ", g.pad_top, ", ",
              g.pad_left);
  KERNN_CHECK(g.groups >= 1, fn, ": groups must be >= 1. Received: groups=", g.groups);
  KERNN_CHECK(g.in_c % g.groups == 0, fn, ": input channels (", g.in_c, ") must be divisible by groups (",
              g.groups, ")");
  KERNN_CHECK(g.out_c % g.groups == 0, fn, ": filters (", g.out_c, ") must be divisible by groups (", g.groups,
              ")");
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    GemmActivation act, float* y) {
  check_conv_geometry(g, "conv2d");
  FlushDenormals ftz;  // this thread; each parallel region's workers set their own
  const int64_t out_img = g.out_h * g.out_w * g.out_c, in_img = g.in_h * g.in_w * g.in_c;
  if (g.batch == 0 || out_img == 0) return;
  if (is_pointwise(g)) {
    GemmEpilogue ep{bias, 1, act};
    sgemm(Trans::no, Trans::no, g.batch * g.in_h * g.in_w, g.out_c, g.in_c, 1.0f, x, g.in_c, w, g.out_c, 0.0f, y,
          g.out_c, ep);
    return;
  }
  if (is_depthwise(g)) {
    const auto& k = dw_kernels();
    const int64_t rows = g.batch * g.out_h;
    parallel_for(rows, rows > 1 && conv_flops(g) >= kParallelFlops, [&](int64_t r) {
      const int64_t n = r / g.out_h, oy = r % g.out_h;
      k.forward_row(g, x + n * in_img, w, bias, act, oy, y + n * out_img + oy * g.out_w * g.out_c);
    });
    return;
  }
  const int64_t cg = g.in_c / g.groups, fg = g.out_c / g.groups, K = g.kernel_h * g.kernel_w * cg;
  if (use_dot(g)) {
    dot_conv(g, x, w, bias, act, y);
    return;
  }
  if (g.groups == 1) {
    float* bias_pad = nullptr;
    const float* packed = igemm_pack_forward(g, w, bias, &bias_pad);
    igemm_conv(g, x, packed, bias_pad, act, y);
    return;
  }
  const int64_t trows = tile_rows(g, K), ntiles = ceil_div(g.out_h, trows);
  for_items(g.batch * ntiles, conv_flops(g), [&](int64_t item) {
    const int64_t n = item / ntiles, oy0 = (item % ntiles) * trows, oy1 = std::min(g.out_h, oy0 + trows);
    const int64_t M = (oy1 - oy0) * g.out_w;
    float* col = workspace(WorkspaceSlot::scratch0, size_t(M * K));
    float* yt = y + n * out_img + oy0 * g.out_w * g.out_c;
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      im2col(g, x + n * in_img, grp, oy0, oy1, col);
      GemmEpilogue ep{bias ? bias + grp * fg : nullptr, 1, act};
      sgemm(Trans::no, Trans::no, M, fg, K, 1.0f, col, K, w + grp * fg, g.out_c, 0.0f, yt + grp * fg, g.out_c, ep);
    }
  });
}

void conv2d_transpose_forward(const ConvGeometry& g, const float* x_t, const float* w, const float* bias,
                              GemmActivation act, float* y_t) {
  check_conv_geometry(g, "conv2d_transpose");
  FlushDenormals ftz;
  conv2d_backward_data(g, x_t, w, y_t);
  if (!bias && act == GemmActivation::none) return;
  // bias + activation over (rows, in_c) with a k = 0 GEMM: C = act(1 * C + bias)
  GemmEpilogue ep{bias, 1, act};
  sgemm(Trans::no, Trans::no, g.batch * g.in_h * g.in_w, g.in_c, 0, 1.0f, nullptr, 1, nullptr, g.in_c, 1.0f, y_t,
        g.in_c, ep);
}

}  // namespace kernn
