#pragma once
// Helpers shared by the convolution drivers (conv.cpp: forward; conv_backward.cpp: the
// gradients). No intrinsics here; the micro-kernels are reached through kernel_table().conv.
#include <algorithm>
#include <cstdint>

#include "conv/conv_internal.h"
#include "core/ftz.h"
#include "core/parallel.h"
#include "core/kernel_table.h"
#include "kernn/conv.h"
#include "kernn/threading.h"

namespace kernn::conv_detail {

constexpr int64_t kPartials = 16;          // fixed partition of batch reductions
// A partial kernel gradient is zeroed and added up once for all the pixels summed into it,
// so each gets at least this many output pixels (E2's 8x8 images: 16 partials of 128
// pixels took 1.04 ms on one core, 4 of 512 took 0.80 ms; large layers are unchanged).
constexpr int64_t kMinPartPixels = 512;
constexpr int64_t kTileFloats = 96 * 1024;  // im2col tile budget (~384 KiB, L2-sized)

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Below this many flops a parallel region costs more than it saves.
constexpr double kParallelFlops = 2.0e5;

// Runs fn(item) for item in [0, count). With at least as many items as threads, the items
// are spread over the threads (static schedule) and each item's GEMMs run serially on its
// thread (kernn::sgemm does so inside a parallel region); otherwise they run in order on
// the calling thread, each GEMM using all threads. Every item owns its outputs and a GEMM
// sums each output in the same order either way, so results do not depend on the choice.
template <typename Fn>
inline void for_items(int64_t count, double flops, Fn&& fn) {
  parallel_for(count, count >= kernn::get_num_threads() && flops >= 8 * kParallelFlops, fn);
}

inline double conv_flops(const ConvGeometry& g) {
  return 2.0 * double(g.batch) * double(g.out_h * g.out_w) * double(g.out_c) * double(g.kernel_h * g.kernel_w) *
         double(g.in_c / g.groups);
}

inline bool is_pointwise(const ConvGeometry& g) {
  return g.kernel_h == 1 && g.kernel_w == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
         g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w && g.groups == 1;
}

// A few output channels per group would leave most of each GEMM register tile's vector
// lanes empty; the kernel gradient is then computed transposed, kernel rows on the lanes.
inline bool few_outputs(int64_t fg, int64_t K) { return fg * 4 <= kernel_table().conv->nr && K > fg; }

// A few filters and adjacent taps along the width: the segment-dot kernels, which keep the
// vector lanes on the input side, where the channel-tiled micro-kernels would hold mostly
// padding (E5's last Conv2D(1, 3): one filter in a 16-lane tile).
inline bool use_dot(const ConvGeometry& g) {
  return g.groups == 1 && g.dilation_w == 1 && g.out_c <= conv::kDotMaxFilters && !is_pointwise(g);
}

// The calling thread's buffers for dot_segments with geometry g: rows (out_w * kernel_h
// pointers), edge (out_w * kernel_h segments), zeros (one segment of zeros).
struct DotScratch {
  const float** rows;
  float* edge;
  const float* zeros;
};
DotScratch dot_scratch(const ConvGeometry& g);

// s.rows[ox * kernel_h + r]: the kernel-row segments (kernel_w * in_c floats) of the pixels
// of output row oy. Segments inside the image point into x_img; those overhanging its left
// or right edge are copied, zero-filled, into s.edge; rows in the padding point at s.zeros.
void dot_segments(const ConvGeometry& g, const float* x_img, int64_t oy, const DotScratch& s);

inline bool is_depthwise(const ConvGeometry& g) { return g.groups == g.in_c && g.groups > 1; }

inline const conv::ConvKernels& dw_kernels() { return *kernel_table().conv; }

// Whole images per work item when an image is one tile: enough GEMM rows (about 256) to
// amortise packing the kernel, within a bounded column buffer. Depends on the shapes only.
inline int64_t images_per_item(const ConvGeometry& g, int64_t K) {
  const int64_t pix = std::max<int64_t>(1, g.out_h * g.out_w);
  const int64_t by_rows = std::max<int64_t>(1, 256 / pix);
  const int64_t by_mem = std::max<int64_t>(1, (int64_t(1) << 20) / std::max<int64_t>(1, pix * K));
  return std::clamp<int64_t>(std::min(by_rows, by_mem), 1, std::max<int64_t>(1, g.batch));
}

// Output rows per im2col tile: a tile of rows*out_w GEMM rows and K columns fits the budget.
inline int64_t tile_rows(const ConvGeometry& g, int64_t K) {
  const int64_t rows = kTileFloats / std::max<int64_t>(1, K * g.out_w);
  return std::clamp<int64_t>(rows, 1, std::max<int64_t>(1, g.out_h));
}

/// col (rows*out_w, K) for output rows [oy0, oy1) of one image, channels of group `grp`.
void im2col(const ConvGeometry& g, const float* x_img, int64_t grp, int64_t oy0, int64_t oy1, float* col);

// The kernel packed for the indirect GEMM: panel q holds taps * cin rows of NR output
// channels (zero-padded). src(t, c, j) is the kernel value of tap t, input channel c,
// output channel j.
template <typename Src>
inline void pack_igemm_weights(int64_t taps, int64_t cin, int64_t cout, int64_t nr, Src&& src, float* dst) {
  const int64_t panels = ceil_div(cout, nr);
  for (int64_t q = 0; q < panels; ++q)
    for (int64_t t = 0; t < taps; ++t)
      for (int64_t c = 0; c < cin; ++c) {
        float* d = dst + ((q * taps + t) * cin + c) * nr;
        for (int64_t j = 0; j < nr; ++j) d[j] = q * nr + j < cout ? src(t, c, q * nr + j) : 0.0f;
      }
}

/// The igemm panel width for `cout` output channels (the narrow tile when the wide one would
/// be mostly empty).
int64_t igemm_nr(int64_t cout);

/// Convolution (groups == 1) by the indirect-GEMM micro-kernel; `packed` from
/// pack_igemm_weights with igemm_nr(g.out_c); bias_pad may be null.
void igemm_conv(const ConvGeometry& g, const float* x, const float* packed, const float* bias_pad,
                GemmActivation act, float* y);

}  // namespace kernn::conv_detail
