#pragma once
// Shared between the portable drivers (act/*.cpp) and the per-ISA kernels
// (act/isa/act_<isa>.cpp). No intrinsics here. The kernels work on one contiguous chunk
// or one row; the drivers split work across OpenMP threads.
#include <cstdint>

#include "kernn/activation.h"
#include "kernn/loss.h"
#include "kernn/optim.h"

namespace kernn::act {

struct ActKernels {
  /// y = act(x) over n elements (x may equal y).
  void (*forward)(Activation act, const ActivationParams& p, int64_t n, const float* x, float* y);
  /// dx = g * act'(x) over n elements.
  void (*backward)(Activation act, const ActivationParams& p, int64_t n, const float* x, const float* g,
                   float* dx);
  /// dx = g * act'(x) from the output y over n elements (invertible activations only).
  void (*backward_y)(Activation act, const ActivationParams& p, int64_t n, const float* y, const float* g,
                     float* dx);
  /// one row of softmax (log_softmax when `log`).
  void (*softmax_row)(int64_t n, const float* x, float* y, bool log);
  /// one row of the softmax (log_softmax) gradient given the output y.
  void (*softmax_grad_row)(int64_t n, const float* y, const float* g, float* dx, bool log);
  /// one row of categorical cross-entropy; returns the loss, writes grad unless nullptr.
  float (*cce_row)(int64_t n, const float* t, const float* p, float* grad, bool from_logits);
  /// one row of sparse categorical cross-entropy with a valid label.
  float (*scce_row)(int64_t n, int64_t label, const float* p, float* grad, bool from_logits);
  /// one row of binary cross-entropy (mean over the row).
  float (*bce_row)(int64_t n, const float* t, const float* p, float* grad, bool from_logits);
  /// n rows of binary cross-entropy with one element each: loss[i] = bce_row(1, t + i, ...)
  /// and the same gradient, vectorised across rows.
  void (*bce_single)(int64_t n, const float* t, const float* p, float* loss, float* grad, bool from_logits);
  /// one chunk of an optimizer update.
  void (*optim)(const OptimizerStep& s, int64_t n, float* p, const float* g, float* s0, float* s1, float* s2);
};

}  // namespace kernn::act

namespace kernn::scalar { const act::ActKernels& act_kernels(); }
namespace kernn::avx2 { const act::ActKernels& act_kernels(); }
namespace kernn::avx512 { const act::ActKernels& act_kernels(); }
