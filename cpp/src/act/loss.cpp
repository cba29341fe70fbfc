// Drivers of the fused cross-entropy losses: one row per task, rows in parallel.
#include <algorithm>

#include "core/ftz.h"
#include "core/parallel.h"
#include "act/act_internal.h"
#include "core/kernel_table.h"
#include "kernn/error.h"
#include "kernn/loss.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

constexpr int64_t kRowWorkMin = 32768;

template <class F>
void for_rows(int64_t rows, int64_t cols, F f) {
  FlushDenormals ftz;
  parallel_for(rows, rows * std::max<int64_t>(cols, 1) >= kRowWorkMin, f);
}

void check_shape(const char* fn, int64_t rows, int64_t cols) {
  KERNN_CHECK(rows >= 0, fn, ": rows=", rows, " must be >= 0");
  KERNN_CHECK(cols >= 1 || rows == 0, fn, ": y_pred needs at least one class on its last axis. Received: cols=",
              cols);
}

}  // namespace

void categorical_crossentropy(int64_t rows, int64_t cols, const float* y_true, const float* y_pred,
                              bool from_logits, float* loss, float* grad) {
  check_shape("categorical_crossentropy", rows, cols);
  const act::ActKernels& k = *kernel_table().act;
  for_rows(rows, cols, [&](int64_t r) {
    loss[r] = k.cce_row(cols, y_true + r * cols, y_pred + r * cols, grad ? grad + r * cols : nullptr, from_logits);
  });
}

void sparse_categorical_crossentropy(int64_t rows, int64_t cols, const int64_t* labels, const float* y_pred,
                                     bool from_logits, float* loss, float* grad) {
  check_shape("sparse_categorical_crossentropy", rows, cols);
  for (int64_t r = 0; r < rows; ++r)
    KERNN_CHECK(labels[r] >= 0 && labels[r] < cols, "sparse_categorical_crossentropy: label ", labels[r],
                " (at position ", r, ") is out of range for ", cols, " classes; labels must be in [0, ", cols,
                ")");
  const act::ActKernels& k = *kernel_table().act;
  for_rows(rows, cols, [&](int64_t r) {
    loss[r] = k.scce_row(cols, labels[r], y_pred + r * cols, grad ? grad + r * cols : nullptr, from_logits);
  });
}

void binary_crossentropy(int64_t rows, int64_t cols, const float* y_true, const float* y_pred, bool from_logits,
                         float* loss, float* grad) {
  check_shape("binary_crossentropy", rows, cols);
  const act::ActKernels& k = *kernel_table().act;
  if (cols == 1) {  // rows of one element: vectorise across rows, in fixed chunks
    constexpr int64_t chunk = 4096;
    for_rows((rows + chunk - 1) / chunk, chunk, [&](int64_t c) {
      const int64_t r0 = c * chunk, n = std::min(chunk, rows - r0);
      k.bce_single(n, y_true + r0, y_pred + r0, loss + r0, grad ? grad + r0 : nullptr, from_logits);
    });
    return;
  }
  for_rows(rows, cols, [&](int64_t r) {
    loss[r] = k.bce_row(cols, y_true + r * cols, y_pred + r * cols, grad ? grad + r * cols : nullptr, from_logits);
  });
}

}  // namespace kernn
