// Pooling drivers: loops over rows of the output with the channel axis innermost (the
// compiler vectorises it). Backward scatters per image, so each thread owns whole images
// of dx and the sums run in a fixed order; max pooling whose windows do not overlap writes
// each window's cells once instead.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "core/ftz.h"
#include "core/parallel.h"
#include "core/workspace.h"
#include "kernn/error.h"
#include "kernn/pool.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

void check_pool_geometry(const PoolGeometry& g, const char* fn) {
  KERNN_CHECK(g.batch >= 0 && g.in_h >= 0 && g.in_w >= 0 && g.c >= 0 && g.out_h >= 0 && g.out_w >= 0, fn,
              ": sizes must be >= 0. Received: batch=", g.batch, ", input ", g.in_h, "x", g.in_w, "x", g.c,
              ", output ", g.out_h, "x", g.out_w);
  KERNN_CHECK(g.pool_h >= 1 && g.pool_w >= 1, fn, ": pool_size must be >= 1. Received: ", g.pool_h, "x",
              g.pool_w);
  KERNN_CHECK(g.stride_h >= 1 && g.stride_w >= 1, fn, ": strides must be >= 1. Received: ", g.stride_h, "x",
              g.stride_w);
  KERNN_CHECK(g.pad_top >= 0 && g.pad_left >= 0, fn, ": padding must be >= 0. Received: ", g.pad_top, ", ",
              g.pad_left);
}

struct Window {
  int64_t y0, y1, x0, x1;  // input cells [y0, y1) x [x0, x1) inside the image
  int64_t count() const { return std::max<int64_t>(0, y1 - y0) * std::max<int64_t>(0, x1 - x0); }
};

inline Window window(const PoolGeometry& g, int64_t oy, int64_t ox) {
  const int64_t iy = oy * g.stride_h - g.pad_top, ix = ox * g.stride_w - g.pad_left;
  return {std::max<int64_t>(iy, 0), std::min(iy + g.pool_h, g.in_h), std::max<int64_t>(ix, 0),
          std::min(ix + g.pool_w, g.in_w)};
}

// One step of the running first maximum over a window's cells: cell k replaces the best so
// far only when strictly greater. Written with masks, not branches, so that it vectorises.
inline void max_step(int64_t C, const float* __restrict xp, int32_t k, float* __restrict best,
                     int32_t* __restrict idx) {
  for (int64_t c = 0; c < C; ++c) {
    const float v = xp[c], b = best[c];
    const int32_t take = -int32_t(v > b);  // all ones or zero
    best[c] = v > b ? v : b;
    idx[c] = (idx[c] & ~take) | (k & take);
  }
}

// Cell k of a window that owns its cells: the gradient where k won, zero elsewhere (the
// bits of d masked, so a NaN or inf gradient is routed as it is).
inline void route_cell(int64_t C, const int32_t* __restrict idx, int32_t k, const float* __restrict d,
                       float* __restrict dp) {
  for (int64_t c = 0; c < C; ++c) {
    uint32_t bits;
    std::memcpy(&bits, d + c, sizeof bits);
    bits &= uint32_t(-int32_t(idx[c] == k));
    std::memcpy(dp + c, &bits, sizeof bits);
  }
}

}  // namespace

PoolGeometry pool2d_geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t ph, int64_t pw,
                             int64_t sh, int64_t sw, Padding padding) {
  KERNN_CHECK(padding != Padding::causal, "pool2d: padding must be 'valid' or 'same'. Received: causal");
  const ConvAxis ay = conv_axis(in_h, ph, sh, 1, padding), ax = conv_axis(in_w, pw, sw, 1, padding);
  PoolGeometry g;
  g.batch = batch;
  g.in_h = in_h;
  g.in_w = in_w;
  g.c = c;
  g.out_h = ay.out;
  g.out_w = ax.out;
  g.pool_h = ph;
  g.pool_w = pw;
  g.stride_h = sh;
  g.stride_w = sw;
  g.pad_top = ay.pad_before;
  g.pad_left = ax.pad_before;
  return g;
}

void pool2d_forward(const PoolGeometry& g, PoolMode mode, const float* x, float* y) {
  check_pool_geometry(g, "pool2d");
  FlushDenormals ftz;  // this thread; the workers set their own below
  const int64_t C = g.c, rows = g.batch * g.out_h;
  if (rows == 0 || g.out_w == 0 || C == 0) return;
  parallel_for(rows, rows > 1 && rows * g.out_w * C * g.pool_h * g.pool_w >= 65536, [&](int64_t r) {
    const int64_t n = r / g.out_h, oy = r % g.out_h;
    const float* x_img = x + n * g.in_h * g.in_w * C;
    for (int64_t ox = 0; ox < g.out_w; ++ox) {
      float* out = y + ((n * g.out_h + oy) * g.out_w + ox) * C;
      const Window win = window(g, oy, ox);
      if (win.count() == 0) {
        std::fill(out, out + C, 0.0f);
        continue;
      }
      if (mode == PoolMode::max) {
        std::fill(out, out + C, -std::numeric_limits<float>::infinity());
        for (int64_t iy = win.y0; iy < win.y1; ++iy)
          for (int64_t ix = win.x0; ix < win.x1; ++ix) {
            const float* xp = x_img + (iy * g.in_w + ix) * C;
            for (int64_t c = 0; c < C; ++c) out[c] = xp[c] > out[c] ? xp[c] : out[c];
          }
      } else {
        std::fill(out, out + C, 0.0f);
        for (int64_t iy = win.y0; iy < win.y1; ++iy)
          for (int64_t ix = win.x0; ix < win.x1; ++ix) {
            const float* xp = x_img + (iy * g.in_w + ix) * C;
            for (int64_t c = 0; c < C; ++c) out[c] += xp[c];
          }
        const float inv = 1.0f / float(win.count());
        for (int64_t c = 0; c < C; ++c) out[c] *= inv;
      }
    }
  });
}

void pool2d_backward(const PoolGeometry& g, PoolMode mode, const float* x, const float* dy, float* dx) {
  check_pool_geometry(g, "pool2d_backward");
  FlushDenormals ftz;
  const int64_t C = g.c, in_img = g.in_h * g.in_w * C, out_img = g.out_h * g.out_w * C;
  if (g.batch == 0 || in_img == 0) return;
  KERNN_CHECK(mode != PoolMode::max || x != nullptr, "pool2d_backward: max pooling needs the input x");
  // Windows that do not overlap (stride >= pool size: MaxPooling2D's default) own their
  // cells: each cell of a max window is written once, its gradient or zero, instead of
  // zeroing the image and scattering into the winners. A window whose cells tile the image
  // leaves nothing else to zero.
  const bool disjoint = mode == PoolMode::max && g.stride_h >= g.pool_h && g.stride_w >= g.pool_w;
  const bool tiled = disjoint && g.stride_h == g.pool_h && g.stride_w == g.pool_w && g.pad_top == 0 &&
                     g.pad_left == 0 && g.out_h * g.pool_h == g.in_h && g.out_w * g.pool_w == g.in_w;
  parallel_for(g.batch, g.batch > 1 && g.batch * out_img * g.pool_h * g.pool_w >= 65536, [&](int64_t n) {
    float* dx_img = dx + n * in_img;
    if (!tiled) std::memset(dx_img, 0, sizeof(float) * size_t(in_img));
    const float* x_img = x ? x + n * in_img : nullptr;
    float* best = mode == PoolMode::max ? workspace(WorkspaceSlot::scratch0, size_t(2 * C)) : nullptr;
    static thread_local std::vector<int64_t> cell_at;  // overlapping windows: ordinal -> offset in dx_img
    if (mode == PoolMode::max && !disjoint) cell_at.resize(size_t(g.pool_h * g.pool_w));
    for (int64_t oy = 0; oy < g.out_h; ++oy)
      for (int64_t ox = 0; ox < g.out_w; ++ox) {
        const float* d = dy + n * out_img + (oy * g.out_w + ox) * C;
        const Window win = window(g, oy, ox);
        if (win.count() == 0) continue;
        if (mode == PoolMode::max) {
          // first maximum in row-major window order, kept as its cell's ordinal k in the window
          auto* idx = reinterpret_cast<int32_t*>(best + C);
          std::memcpy(best, x_img + (win.y0 * g.in_w + win.x0) * C, sizeof(float) * size_t(C));
          std::fill(idx, idx + C, int32_t(0));
          int32_t k = 0;
          for (int64_t iy = win.y0; iy < win.y1; ++iy)
            for (int64_t ix = win.x0; ix < win.x1; ++ix, ++k) {
              max_step(C, x_img + (iy * g.in_w + ix) * C, k, best, idx);
              if (!disjoint) cell_at[size_t(k)] = (iy * g.in_w + ix) * C;
            }
          if (disjoint) {
            k = 0;
            for (int64_t iy = win.y0; iy < win.y1; ++iy)
              for (int64_t ix = win.x0; ix < win.x1; ++ix, ++k)
                route_cell(C, idx, k, d, dx_img + (iy * g.in_w + ix) * C);
          } else {  // overlapping windows: added into the winning cell
            for (int64_t c = 0; c < C; ++c) dx_img[cell_at[size_t(idx[c])] + c] += d[c];
          }
        } else {
          const float inv = 1.0f / float(win.count());
          for (int64_t iy = win.y0; iy < win.y1; ++iy)
            for (int64_t ix = win.x0; ix < win.x1; ++ix) {
              float* dp = dx_img + (iy * g.in_w + ix) * C;
              for (int64_t c = 0; c < C; ++c) dp[c] += d[c] * inv;
            }
        }
      }
  });
}

}  // namespace kernn
