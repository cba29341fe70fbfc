#pragma once
// Convolution over channels_last tensors: 2-D (NHWC) and 1-D (NWC, as 2-D with H = 1),
// with strides, Keras padding, dilation, groups and depthwise; forward with a fused bias +
// activation epilogue, and the backward passes. Transposed convolution is the backward-data
// of a convolution.
#include <cstdint>

#include "kernn/gemm.h"

namespace kernn {

/// Keras padding modes. `causal` is for 1-D only: all padding on the left.
enum class Padding { valid = 0, same = 1, causal = 2 };

/// One spatial axis of a convolution: output length and padding before the first input.
struct ConvAxis {
  int64_t out;         ///< output length
  int64_t pad_before;  ///< zeros before input index 0 (the rest of the padding is after)
};

/// Keras's output length and padding for one axis of a convolution (or pooling, with
/// dilation 1). valid: out = floor((in - (k-1)*d - 1) / s) + 1 (0 when negative);
/// same: out = ceil(in / s), pad_total = max((out-1)*s + (k-1)*d + 1 - in, 0), the smaller
/// half before; causal: out = ceil(in / s), pad_before = (k-1)*d.
/// Throws kernn::Error for a non-positive kernel, stride or dilation, or a negative input.
ConvAxis conv_axis(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, Padding padding);

/// Keras's output length and padding of one axis of a transposed convolution
/// (Conv2DTranspose), seen as the input of the forward convolution whose backward-data it
/// is. output_padding < 0 means None (Keras's default). Throws kernn::Error for bad values
/// (output_padding >= stride, causal padding).
ConvAxis conv_transpose_axis(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                             Padding padding, int64_t output_padding);

/// The shapes of a 2-D convolution y = conv(x, w). Tensors are contiguous row-major:
/// x (batch, in_h, in_w, in_c), w (kernel_h, kernel_w, in_c / groups, out_c) as Keras,
/// y (batch, out_h, out_w, out_c). Output (oy, ox) reads input rows
/// oy*stride_h - pad_top + ky*dilation_h (likewise columns); reads outside the input are 0.
/// Output channel o belongs to group o / (out_c / groups). A depthwise convolution with
/// depth_multiplier m is groups = in_c, out_c = in_c * m: its Keras kernel
/// (kh, kw, in_c, m) has exactly this memory layout.
struct ConvGeometry {
  int64_t batch = 1, in_h = 1, in_w = 1, in_c = 1;
  int64_t out_h = 1, out_w = 1, out_c = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  int64_t groups = 1;
};

/// The geometry Keras gives Conv2D (and Conv1D with in_h = kernel_h = 1): output sizes and
/// paddings by conv_axis per axis (causal pads the width only). Throws kernn::Error as
/// conv_axis does (non-positive kernel, stride or dilation, negative input size); the rest
/// of the geometry is checked by the kernels (check_conv_geometry).
ConvGeometry conv2d_geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t in_c, int64_t kernel_h,
                             int64_t kernel_w, int64_t filters, int64_t stride_h, int64_t stride_w,
                             int64_t dilation_h, int64_t dilation_w, Padding padding, int64_t groups = 1);

/// Checks a geometry (sizes >= 0, strides and dilations >= 1, channels divisible by
/// groups, paddings >= 0). `fn` prefixes the message. Throws kernn::Error.
void check_conv_geometry(const ConvGeometry& g, const char* fn);

/// y = act(conv(x, w) + bias). bias (out_c) may be null. Picks the algorithm per shape:
/// 1x1 stride 1 unpadded is one GEMM over batch*h*w rows; depthwise (in_c / groups == 1)
/// is a direct SIMD kernel; groups == 1 runs an indirect-GEMM micro-kernel (a pointer per
/// output pixel and kernel tap, so no im2col copy) with the bias and activation applied in
/// registers; other grouped convolutions run im2col over tiles of output rows (a per-thread
/// workspace) feeding kernn::sgemm with the bias + activation fused. Deterministic for any
/// thread count. x, w, y as ConvGeometry describes; the caller allocates y. Throws
/// kernn::Error for a bad geometry (check_conv_geometry).
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    GemmActivation activation, float* y);

/// dx = d(sum(dy * conv(x, w)))/dx, written (not accumulated) into dx (batch, in_h, in_w, in_c).
/// dy is (batch, out_h, out_w, out_c), w as in the forward. Stride 1: a convolution of dy
/// with the flipped kernel (the forward kernels); otherwise a GEMM per tile and col2im, each
/// image's tiles added in order (identical for any thread count). Throws kernn::Error for a
/// bad geometry.
void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx);

/// dw (kernel_h, kernel_w, in_c / groups, out_c) and, when dbias is not null, dbias (out_c)
/// = sum of dy over batch and space. Written, not accumulated. Partial sums are formed over
/// a fixed partition of the work and reduced in a fixed order: results do not depend on
/// the thread count. x (batch, in_h, in_w, in_c) and dy (batch, out_h, out_w, out_c) as in
/// the forward. Throws kernn::Error for a bad geometry.
void conv2d_backward_filter(const ConvGeometry& g, const float* x, const float* dy, float* dw, float* dbias);

/// Transposed convolution (Keras Conv2DTranspose), the backward-data of the convolution `g`:
/// input x_t has the shape of g's output (batch, out_h, out_w, out_c), the kernel is Keras's
/// (kh, kw, filters, in) = (kh, kw, g.in_c, g.out_c), and y_t = act(conv^T(x_t) + bias) has
/// the shape of g's input (batch, in_h, in_w, in_c). bias (in_c) may be null. Identical for
/// any thread count. Throws kernn::Error for a bad geometry.
void conv2d_transpose_forward(const ConvGeometry& g, const float* x_t, const float* w, const float* bias,
                              GemmActivation activation, float* y_t);

/// The geometry whose backward-data is Keras's Conv2DTranspose over input (batch, in_h,
/// in_w, in_c) with `filters` outputs; output_padding < 0 means None. Throws kernn::Error as
/// conv_transpose_axis does.
ConvGeometry conv2d_transpose_geometry(int64_t batch, int64_t in_h, int64_t in_w, int64_t in_c,
                                       int64_t kernel_h, int64_t kernel_w, int64_t filters, int64_t stride_h,
                                       int64_t stride_w, int64_t dilation_h, int64_t dilation_w, Padding padding,
                                       int64_t output_padding_h, int64_t output_padding_w);

/// Sum over rows of a (rows, cols) contiguous matrix into out (cols), written, not
/// accumulated: fixed blocks of rows summed in parallel, then added in order (identical for
/// any thread count). Throws kernn::Error for negative sizes.
void column_sums(int64_t rows, int64_t cols, const float* x, float* out);

/// Nearest-neighbour up-sampling (Keras UpSampling2D interpolation="nearest"): y (batch,
/// in_h * sh, in_w * sw, c) repeats each pixel of x (batch, in_h, in_w, c) sh times down and
/// sw times across. Throws kernn::Error for a negative batch or c, or in_h, in_w, sh, sw < 1.
void upsample_nearest_forward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t sh, int64_t sw,
                              const float* x, float* y);

/// Gradient of upsample_nearest_forward: dx (batch, in_h, in_w, c) = the sum of the sh x sw
/// outputs each input pixel was copied to (in row-major order of the block), from dy
/// (batch, in_h * sh, in_w * sw, c). Written, not accumulated. Throws as
/// upsample_nearest_forward.
void upsample_nearest_backward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t sh, int64_t sw,
                               const float* dy, float* dx);

/// Bilinear resize of (batch, in_h, in_w, c) to (batch, out_h, out_w, c) with half-pixel
/// centres (Keras UpSampling2D interpolation="bilinear", TF half_pixel_centers, PyTorch
/// align_corners=False): source = max((dst + 0.5) * in / out - 0.5, 0). Both contiguous.
/// Throws kernn::Error for a negative batch or channel count or a spatial size < 1.
void resize_bilinear_forward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t out_h,
                             int64_t out_w, const float* x, float* y);

/// Gradient of resize_bilinear_forward: dx (batch, in_h, in_w, c) from dy (batch, out_h,
/// out_w, c). Written, not accumulated; each image of dx is summed by one thread in a fixed
/// order. Throws kernn::Error as resize_bilinear_forward.
void resize_bilinear_backward(int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t out_h,
                              int64_t out_w, const float* dy, float* dx);

}  // namespace kernn
