#pragma once
// Max and average pooling over channels_last tensors (2-D NHWC; 1-D NWC as H = 1; global
// pooling as one window over the whole image), forward and backward.
#include <cstdint>

#include "kernn/conv.h"

namespace kernn {

/// Max pooling (the largest cell of each window) or average pooling (the mean of the window's
/// cells inside the input).
enum class PoolMode { max = 0, average = 1 };

/// Shapes of a 2-D pooling: x (batch, in_h, in_w, c) -> y (batch, out_h, out_w, c), both
/// contiguous. Window (oy, ox) covers input rows oy*stride_h - pad_top + [0, pool_h)
/// (likewise columns); cells outside the input are ignored (average divides by the number of
/// cells inside, as Keras's same padding does).
struct PoolGeometry {
  int64_t batch = 1, in_h = 1, in_w = 1, c = 1;
  int64_t out_h = 1, out_w = 1;
  int64_t pool_h = 1, pool_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;
};

/// The geometry Keras gives MaxPooling2D / AveragePooling2D (padding valid or same). Throws
/// kernn::Error for causal padding, a pool size or stride < 1, or a negative input size.
PoolGeometry pool2d_geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t pool_h, int64_t pool_w,
                             int64_t stride_h, int64_t stride_w, Padding padding);

/// y = pool(x), x and y as PoolGeometry describes. A window with no cell inside the input
/// gives 0. Throws kernn::Error for a bad geometry (negative sizes, pool size, stride < 1,
/// negative padding).
void pool2d_forward(const PoolGeometry& g, PoolMode mode, const float* x, float* y);

/// dx (written, not accumulated) from dy. Max routes each dy to the first maximal cell of
/// its window in row-major order (needs x); average spreads it evenly over the window's
/// cells inside the input (x unused, may be null). dy has y's shape, dx (and x) x's. Each
/// image of dx is summed by one thread in a fixed order. Throws kernn::Error for a bad
/// geometry, or max pooling without x.
void pool2d_backward(const PoolGeometry& g, PoolMode mode, const float* x, const float* dy, float* dx);

}  // namespace kernn
