// Up-sampling (Keras UpSampling2D): nearest-neighbour repeat, and bilinear resize with
// half-pixel centres. Forward gathers per output row; backward sums per input row
// (nearest) or scatters per image (bilinear; each thread owns whole images of dx), so sums
// run in a fixed order.
#include <algorithm>
#include <cstring>
#include <vector>

#include "core/ftz.h"
#include "core/parallel.h"
#include "kernn/conv.h"
#include "kernn/error.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

struct Lerp {
  int64_t i0, i1;
  float w1;  // weight of i1; i0 gets 1 - w1
};

Lerp lerp_at(int64_t dst, int64_t in, int64_t out) {
  const float scale = float(in) / float(out);
  float src = (float(dst) + 0.5f) * scale - 0.5f;
  if (src < 0.0f) src = 0.0f;
  int64_t i0 = std::min<int64_t>(int64_t(src), in - 1);
  const int64_t i1 = std::min<int64_t>(i0 + 1, in - 1);
  return {i0, i1, src - float(i0)};
}

void check(const char* fn, int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t out_h, int64_t out_w) {
  KERNN_CHECK(batch >= 0 && c >= 0, fn, ": sizes must be >= 0. Received: batch=", batch, ", channels=", c);
  KERNN_CHECK(in_h >= 1 && in_w >= 1 && out_h >= 1 && out_w >= 1, fn,
              ": spatial sizes must be >= 1. Received: input ", in_h, "x", in_w, ", output ", out_h, "x", out_w);
}

}  // namespace

void upsample_nearest_forward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t sh, int64_t sw,
                              const float* x, float* y) {
  check("upsample_nearest", batch, in_h, in_w, c, in_h * sh, in_w * sw);
  KERNN_CHECK(sh >= 1 && sw >= 1, "upsample_nearest: size must be >= 1. Received: size=(", sh, ", ", sw, ")");
  const int64_t rows = batch * in_h, out_row = in_w * sw * c;
  parallel_for(rows, rows * out_row * sh >= 65536, [&](int64_t r) {  // copies only
    const float* xr = x + r * in_w * c;
    float* yr = y + r * sh * out_row;
    for (int64_t ix = 0; ix < in_w; ++ix)
      for (int64_t sx = 0; sx < sw; ++sx) std::memcpy(yr + (ix * sw + sx) * c, xr + ix * c, sizeof(float) * size_t(c));
    for (int64_t sy = 1; sy < sh; ++sy) std::memcpy(yr + sy * out_row, yr, sizeof(float) * size_t(out_row));
  });
}

void upsample_nearest_backward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t sh, int64_t sw,
                               const float* dy, float* dx) {
  check("upsample_nearest_backward", batch, in_h, in_w, c, in_h * sh, in_w * sw);
  KERNN_CHECK(sh >= 1 && sw >= 1, "upsample_nearest_backward: size must be >= 1. Received: size=(", sh, ", ", sw,
              ")");
  FlushDenormals ftz;  // this thread; the workers set their own below
  const int64_t rows = batch * in_h, out_row = in_w * sw * c;
  parallel_for(rows, rows * out_row * sh >= 65536, [&](int64_t r) {
    float* dxr = dx + r * in_w * c;
    const float* g = dy + r * sh * out_row;
    // dx[ix] = sum over sy, then sx, of the outputs it was copied to
    for (int64_t ix = 0; ix < in_w; ++ix) std::memcpy(dxr + ix * c, g + ix * sw * c, sizeof(float) * size_t(c));
    for (int64_t sy = 0; sy < sh; ++sy)
      for (int64_t ix = 0; ix < in_w; ++ix)
        for (int64_t sx = sy == 0 ? 1 : 0; sx < sw; ++sx) {
          const float* gs = g + sy * out_row + (ix * sw + sx) * c;
          float* d = dxr + ix * c;
          for (int64_t ch = 0; ch < c; ++ch) d[ch] += gs[ch];
        }
  });
}

void resize_bilinear_forward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t out_h, int64_t out_w,
                             const float* x, float* y) {
  check("resize_bilinear", batch, in_h, in_w, c, out_h, out_w);
  FlushDenormals ftz;  // this thread; the workers set their own below
  std::vector<Lerp> lx(static_cast<size_t>(out_w));
  for (int64_t ox = 0; ox < out_w; ++ox) lx[size_t(ox)] = lerp_at(ox, in_w, out_w);
  const int64_t rows = batch * out_h;
  parallel_for(rows, rows * out_w * c >= 65536, [&](int64_t r) {
    const int64_t n = r / out_h, oy = r % out_h;
    const Lerp ly = lerp_at(oy, in_h, out_h);
    const float* x0 = x + (n * in_h + ly.i0) * in_w * c;
    const float* x1 = x + (n * in_h + ly.i1) * in_w * c;
    float* yr = y + r * out_w * c;
    for (int64_t ox = 0; ox < out_w; ++ox) {
      const Lerp& l = lx[size_t(ox)];
      const float* a = x0 + l.i0 * c;
      const float* b = x0 + l.i1 * c;
      const float* cc = x1 + l.i0 * c;
      const float* d = x1 + l.i1 * c;
      float* o = yr + ox * c;
      for (int64_t ch = 0; ch < c; ++ch) {
        const float top = a[ch] + (b[ch] - a[ch]) * l.w1;
        const float bot = cc[ch] + (d[ch] - cc[ch]) * l.w1;
        o[ch] = top + (bot - top) * ly.w1;
      }
    }
  });
}

void resize_bilinear_backward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t out_h, int64_t out_w,
                              const float* dy, float* dx) {
  check("resize_bilinear_backward", batch, in_h, in_w, c, out_h, out_w);
  FlushDenormals ftz;
  std::vector<Lerp> lx(static_cast<size_t>(out_w));
  for (int64_t ox = 0; ox < out_w; ++ox) lx[size_t(ox)] = lerp_at(ox, in_w, out_w);
  const int64_t in_img = in_h * in_w * c, out_img = out_h * out_w * c;
  parallel_for(batch, batch > 1 && batch * out_img >= 65536, [&](int64_t n) {
    float* dimg = dx + n * in_img;
    std::memset(dimg, 0, sizeof(float) * size_t(in_img));
    for (int64_t oy = 0; oy < out_h; ++oy) {
      const Lerp ly = lerp_at(oy, in_h, out_h);
      float* r0 = dimg + ly.i0 * in_w * c;
      float* r1 = dimg + ly.i1 * in_w * c;
      for (int64_t ox = 0; ox < out_w; ++ox) {
        const Lerp& l = lx[size_t(ox)];
        const float* g = dy + n * out_img + (oy * out_w + ox) * c;
        const float w00 = (1 - ly.w1) * (1 - l.w1), w01 = (1 - ly.w1) * l.w1;
        const float w10 = ly.w1 * (1 - l.w1), w11 = ly.w1 * l.w1;
        for (int64_t ch = 0; ch < c; ++ch) {
          r0[l.i0 * c + ch] += g[ch] * w00;
          r0[l.i1 * c + ch] += g[ch] * w01;
          r1[l.i0 * c + ch] += g[ch] * w10;
          r1[l.i1 * c + ch] += g[ch] * w11;
        }
      }
    }
  });
}

}  // namespace kernn
