#pragma once
/// Fused cross-entropy losses: the per-sample loss and its gradient in one pass over
/// contiguous (rows, cols) float32 arrays, rows in parallel. Keras 3 formulas.
#include <cstdint>

namespace kernn {

/// Keras's epsilon for clipping probabilities (keras.config.epsilon()).
constexpr float kLossEpsilon = 1e-7f;

/// Categorical cross-entropy per row. from_logits: loss = -sum(t * log_softmax(z)),
/// grad = softmax(z) * sum(t) - t. Otherwise (probabilities, as Keras): q = p / sum(p),
/// c = clip(q, eps, 1 - eps), loss = -sum(t * log c); grad is d loss / d p.
/// y_true and y_pred are contiguous (rows, cols); loss has `rows` values; grad (rows, cols)
/// may be nullptr (loss only). Throws kernn::Error when rows < 0 or when cols < 1 with rows > 0.
void categorical_crossentropy(int64_t rows, int64_t cols, const float* y_true, const float* y_pred,
                              bool from_logits, float* loss, float* grad);

/// Sparse categorical cross-entropy: as categorical_crossentropy with a one-hot y_true
/// given by integer labels (rows values). Throws kernn::Error naming the label and the
/// class count when a label is outside [0, cols), and as categorical_crossentropy.
void sparse_categorical_crossentropy(int64_t rows, int64_t cols, const int64_t* labels,
                                     const float* y_pred, bool from_logits, float* loss, float* grad);

/// Binary cross-entropy, averaged over each row's cols values (as Keras averages over the
/// last axis). from_logits: max(z, 0) - z t + log1p(e^-|z|), grad (sigmoid(z) - t) / cols.
/// Otherwise o = clip(p, eps, 1 - eps), -(t log o + (1 - t) log(1 - o)), grad d loss / d p.
/// y_true, y_pred and grad (may be nullptr) are contiguous (rows, cols); loss has `rows`
/// values. Throws kernn::Error as categorical_crossentropy.
void binary_crossentropy(int64_t rows, int64_t cols, const float* y_true, const float* y_pred,
                         bool from_logits, float* loss, float* grad);

}  // namespace kernn
