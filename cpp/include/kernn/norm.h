#pragma once
// Batch and layer normalization over the last (channel) axis of a contiguous (rows, c)
// view: rows = batch * spatial for batch normalization, rows = every leading index for
// layer normalization.
#include <cstdint>

namespace kernn {

/// Training forward of batch normalization: mean and biased variance of each channel over
/// the rows, y = (x - mean) / sqrt(var + eps) * gamma + beta. gamma and beta may be null
/// (scale=False / center=False). Writes mean (c) and var (c). Statistics are accumulated in
/// double over a fixed partition of the rows: identical for any thread count.
void batch_norm_forward_train(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta,
                              float eps, float* y, float* mean, float* var);

/// Inference forward: y = (x - moving_mean) / sqrt(moving_var + eps) * gamma + beta.
void batch_norm_forward_inference(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta,
                                  const float* moving_mean, const float* moving_var, float eps, float* y);

/// Backward of the training forward, given its mean and var: dx (rows, c) always; dgamma
/// and dbeta (c) when not null. Written, not accumulated.
void batch_norm_backward(int64_t rows, int64_t c, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* var, float eps, float* dx, float* dgamma, float* dbeta);

/// Layer normalization of each row: y = (x - mean_row) / sqrt(var_row + eps) * gamma + beta,
/// biased variance. Writes mean (rows) and rstd = 1/sqrt(var + eps) (rows) for backward.
void layer_norm_forward(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta, float eps,
                        float* y, float* mean, float* rstd);

/// Backward of layer_norm_forward: dx always, dgamma and dbeta (c) when not null.
void layer_norm_backward(int64_t rows, int64_t c, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* rstd, float* dx, float* dgamma, float* dbeta);

}  // namespace kernn
