#pragma once
// Max and average pooling over channels_last tensors (2-D NHWC; 1-D NWC as H = 1; global
// pooling as one window over the whole image), forward and backward.
#include <cstdint>

#include "kernn/conv.h"

namespace kernn {

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

/// The geometry Keras gives MaxPooling2D / AveragePooling2D (padding valid or same).
PoolGeometry pool2d_geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t pool_h, int64_t pool_w,
                             int64_t stride_h, int64_t stride_w, Padding padding);

/// y = pool(x). A window with no cell inside the input gives 0. Throws kernn::Error for a
/// bad geometry.
void pool2d_forward(const PoolGeometry& g, PoolMode mode, const float* x, float* y);

/// dx (written, not accumulated) from dy. Max routes each dy to the first maximal cell of
/// its window in row-major order (needs x); average spreads it evenly over the window's
/// cells inside the input (x unused, may be null).
void pool2d_backward(const PoolGeometry& g, PoolMode mode, const float* x, const float* dy, float* dx);

}  // namespace kernn
