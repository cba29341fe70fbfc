#pragma once
// Batch and layer normalization over the last (channel) axis of a contiguous (rows, c)
// view: rows = batch * spatial for batch normalization, rows = every leading index for
// layer normalization.
#include <cstdint>

namespace kernn {

/// Training forward of batch normalization: mean and biased variance of each channel over
/// the rows, y = (x - mean) / sqrt(var + eps) * gamma + beta. gamma and beta may be null
/// (scale=False / center=False). Writes mean (c) and var (c). Statistics are accumulated in
/// double over a fixed partition of the rows: identical for any thread count. x and y are
/// (rows, c); gamma, beta (c). Throws kernn::Error for negative sizes.
void batch_norm_forward_train(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta,
                              float eps, float* y, float* mean, float* var);

/// Inference forward: y = (x - moving_mean) / sqrt(moving_var + eps) * gamma + beta.
/// x and y are (rows, c); moving_mean, moving_var (required) and gamma, beta (may be null)
/// are (c). Throws kernn::Error for negative sizes.
void batch_norm_forward_inference(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta,
                                  const float* moving_mean, const float* moving_var, float eps, float* y);

/// Backward of the training forward, given its mean and var (c): x, dy, dx (rows, c); dx
/// always, dgamma and dbeta (c) when not null. Written, not accumulated. Per-channel sums
/// in double over a fixed partition (identical for any thread count). Throws kernn::Error
/// for negative sizes.
void batch_norm_backward(int64_t rows, int64_t c, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* var, float eps, float* dx, float* dgamma, float* dbeta);

/// Layer normalization of each row: y = (x - mean_row) / sqrt(var_row + eps) * gamma + beta,
/// biased variance. x and y are (rows, c); gamma, beta (c) may be null. Writes mean (rows)
/// and rstd = 1/sqrt(var + eps) (rows) for backward. Throws kernn::Error for negative sizes.
void layer_norm_forward(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta, float eps,
                        float* y, float* mean, float* rstd);

/// Backward of layer_norm_forward, given its mean and rstd (rows): x, dy, dx (rows, c); dx
/// always, dgamma and dbeta (c) when not null (written, not accumulated; summed in a fixed
/// order). Throws kernn::Error for negative sizes.
void layer_norm_backward(int64_t rows, int64_t c, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* rstd, float* dx, float* dgamma, float* dbeta);

}  // namespace kernn
