#pragma once
// Shared between the portable convolution drivers (conv/*.cpp) and the per-ISA depthwise
// micro-kernels (conv/isa/conv_*.cpp). No intrinsics here.
#include <cstdint>

#include "kernn/conv.h"

namespace kernn::conv {

/// One output row (oy) of a depthwise convolution of one image: y_row (out_w, out_c) =
/// act(sum over taps x * w + bias). x_img is (in_h, in_w, in_c); w is (kh, kw, out_c) with
/// out_c = in_c * multiplier (output channel o reads input channel o / multiplier).
using DwForwardRow = void (*)(const ConvGeometry& g, const float* x_img, const float* w, const float* bias,
                              GemmActivation act, int64_t oy, float* y_row);
/// One input row (iy) of the depthwise input gradient, gathered: dx_row (in_w, in_c) =
/// sum over the outputs that read it of dy * w. dy_img is (out_h, out_w, out_c).
using DwBackwardDataRow = void (*)(const ConvGeometry& g, const float* dy_img, const float* w, int64_t iy,
                                   float* dx_row);
/// Adds one output row's contribution to the depthwise kernel gradient dw_acc (kh, kw,
/// out_c) and to db_acc (out_c) when not null.
using DwBackwardFilterRow = void (*)(const ConvGeometry& g, const float* x_img, const float* dy_row, int64_t oy,
                                     float* dw_acc, float* db_acc);

/// Indirect-GEMM convolution micro-kernel (MR output pixels x NR output channels):
///   y[i, j] = act(sum_t sum_c ptrs[t * MR + i][c] * w[(t * cin + c) * NR + j] + bias[j])
/// for i < m, j < n. ptrs holds, per kernel tap t, the address of each pixel's cin input
/// channels (a zero row for taps in the padding, or rows past m); w is one packed panel of
/// the kernel (taps * cin rows of NR, zero-padded); bias (NR, zero-padded) may be null.
/// y rows are y_rs floats apart.
using ConvIgemmUkernel = void (*)(int64_t taps, int64_t cin, const float* const* ptrs, const float* w, float* y,
                                  int64_t y_rs, int64_t m, int64_t n, const float* bias, GemmActivation act);

/// Kernel-gradient micro-kernel (MR input channels x NR output channels of one tap):
///   acc[(c0 + r) * acc_rs + j] += sum_{i < P} xp[i][c0 + r] * dy[i * dy_rs + j]
/// for r < mc (<= MR), j < n (<= NR). xp holds each pixel's input row for this tap (a zero
/// row in the padding); dy holds P rows of output-gradient values, dy_rs apart, all NR of
/// each row readable (dy itself for a full panel, a zero-padded copy for a ragged one).
/// When bias_acc is not null, also bias_acc[j] += sum_{i < P} dy[i * dy_rs + j] (the bias
/// gradient from the dy rows already in registers).
using ConvWgradUkernel = void (*)(int64_t P, const float* const* xp, int64_t c0, int64_t mc, const float* dy,
                                  int64_t dy_rs, float* acc, int64_t acc_rs, int64_t n, float* bias_acc);

/// Few-output-channel convolution by dot products over contiguous input segments: with
/// dilation_w == 1 the kw taps of kernel row r read kw * in_c contiguous floats (a segment
/// of `seg` floats). rows[i * kh + r] points at pixel i's segment for kernel row r (a zero
/// segment where the row is padding); wt is the kernel laid out (F, kh, seg):
///   y[i * F + f] = act(bias[f] + sum_r dot(rows[i * kh + r][0:seg], wt[(f * kh + r) * seg ...]))
/// for i < P, 1 <= F <= kDotMaxFilters; bias may be null. Reads no float past a segment.
using ConvDotForward = void (*)(int64_t P, int64_t kh, int64_t seg, const float* const* rows, const float* wt,
                                int64_t F, const float* bias, GemmActivation act, float* y);
/// Its kernel gradient, added into acc (F, kh, seg):
///   acc[(f * kh + r) * seg + s] += sum_{i < P} dy[i * F + f] * rows[i * kh + r][s].
using ConvDotWgrad = void (*)(int64_t P, int64_t kh, int64_t seg, const float* const* rows, const float* dy,
                              int64_t F, float* acc);
constexpr int64_t kDotMaxFilters = 4;

struct ConvKernels {
  ConvIgemmUkernel igemm;
  int mr, nr;  ///< register tile of igemm
  ConvIgemmUkernel igemm_narrow;  ///< the same with one vector of output channels (nr_narrow)
  int nr_narrow;
  ConvWgradUkernel wgrad;  ///< register tile mr x nr, like igemm
  ConvWgradUkernel wgrad_narrow;  ///< mr x nr_narrow
  DwForwardRow forward_row;
  DwBackwardDataRow backward_data_row;
  DwBackwardFilterRow backward_filter_row;
  ConvDotForward dot_forward;  ///< few output channels (<= kDotMaxFilters), dilation_w == 1
  ConvDotWgrad dot_wgrad;
  const char* name;
};

}  // namespace kernn::conv

namespace kernn::scalar { const conv::ConvKernels& conv_kernels(); }
namespace kernn::avx2 { const conv::ConvKernels& conv_kernels(); }
namespace kernn::avx512 { const conv::ConvKernels& conv_kernels(); }
