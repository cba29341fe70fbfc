#pragma once
/// Element-wise activations (forward and gradient), softmax / log_softmax over the last
/// axis, and the bias-gradient reduction. float32, contiguous arrays, OpenMP-parallel,
/// vectorised per ISA, results independent of the thread count.
#include <cstdint>
#include <limits>
#include <string>

namespace kernn {

/// The element-wise activations of Keras 3 (keras.activations), by their Keras names.
enum class Activation {
  linear = 0,
  relu,          ///< Keras relu with negative_slope, max_value, threshold (ActivationParams)
  relu6,         ///< min(max(x, 0), 6)
  leaky_relu,    ///< x > 0 ? x : negative_slope * x
  elu,           ///< x > 0 ? x : alpha * (e^x - 1)
  selu,          ///< scale * elu(x, alpha) with Keras's constants
  gelu,          ///< x * Phi(x) (erf form)
  gelu_tanh,     ///< 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), Keras gelu(approximate=True)
  silu,          ///< x * sigmoid(x) (Keras silu / swish)
  softplus,      ///< log(1 + e^x), computed as max(x, 0) + log1p(e^-|x|)
  softsign,      ///< x / (1 + |x|)
  hard_sigmoid,  ///< relu6(x + 3) / 6 (Keras 3)
  hard_silu,     ///< x * hard_sigmoid(x)
  exponential,   ///< e^x
  sigmoid,       ///< 1 / (1 + e^-x)
  tanh,          ///< tanh(x)
  mish,          ///< x tanh(softplus(x))
  log_sigmoid,   ///< log(sigmoid(x)) = -softplus(-x)
  celu,          ///< max(x, 0) + min(alpha (e^(x / alpha) - 1), 0)
  squareplus,    ///< (x + sqrt(x^2 + b)) / 2
  soft_shrink,   ///< x - threshold above threshold, x + threshold below -threshold, else 0
  hard_shrink,   ///< x where |x| > threshold, else 0
  hard_tanh,     ///< clip(x, -1, 1)
  tanh_shrink,   ///< x - tanh(x)
  sparse_plus,   ///< 0 below -1, (x + 1)^2 / 4 inside [-1, 1], x above 1
  sparse_sigmoid,  ///< clip((x + 1) / 2, 0, 1)
};

/// Parameters of the activations that take them; the others ignore these.
struct ActivationParams {
  float negative_slope = 0.0f;  ///< relu, leaky_relu
  float max_value = std::numeric_limits<float>::infinity();  ///< relu (infinity: no cap)
  float threshold = 0.0f;       ///< relu; soft_shrink and hard_shrink (Keras default 0.5)
  float alpha = 1.0f;           ///< elu, celu
  float b = 4.0f;               ///< squareplus
};

/// The Activation named `name` (Keras's names; "swish" is silu, "gelu_tanh" the tanh form).
/// Throws kernn::Error listing the known names otherwise.
Activation activation_from_name(const std::string& name);

/// Keras name of `act` (a static string; "unknown" for a value outside the enum). Never throws.
const char* activation_name(Activation act);

/// y[i] = act(x[i]) for i < n over contiguous arrays of n floats. x and y may be the same
/// array. NaN in gives NaN out. Throws kernn::Error when n < 0.
void activation_forward(Activation act, const ActivationParams& params, int64_t n, const float* x, float* y);

/// dx[i] = g[i] * act'(x[i]) for i < n (the derivative is recomputed from x for accuracy at
/// large |x|). x, g, dx: contiguous arrays of n floats; dx may alias g or x. NaN in x gives
/// NaN out. Throws kernn::Error when n < 0.
void activation_backward(Activation act, const ActivationParams& params, int64_t n, const float* x,
                         const float* g, float* dx);

/// Whether act'(x) can be computed from the output y alone (see activation_backward_from_output).
/// Never throws.
bool activation_grad_from_output_supported(Activation act, const ActivationParams& params);

/// dx[i] = g[i] * act'(x[i]) computed from the output y[i] = act(x[i]), for callers that
/// keep only y (for example after a GEMM epilogue). Supported: linear, relu with
/// threshold 0 and negative_slope >= 0, relu6, leaky_relu with negative_slope >= 0, elu with
/// alpha > 0, selu, softplus, softsign, hard_sigmoid, exponential, sigmoid, tanh. Less
/// accurate than activation_backward where y saturates (sigmoid's y (1 - y) at large x).
/// y, g, dx: contiguous arrays of n floats; dx may alias g or y. Throws kernn::Error for the
/// others (gelu, silu, hard_silu, relu with a threshold) and when n < 0.
void activation_backward_from_output(Activation act, const ActivationParams& params, int64_t n, const float* y,
                                     const float* g, float* dx);

/// Row-wise softmax of a contiguous (rows, cols) array: y = e^(x - max) / sum, y (rows, cols).
/// y may be x. Throws kernn::Error when rows or cols is negative.
void softmax_forward(int64_t rows, int64_t cols, const float* x, float* y);

/// Gradient of softmax given its output y: dx = y * (g - sum(g * y)) per row; y, g, dx are
/// contiguous (rows, cols). dx may alias g. Throws kernn::Error for negative sizes.
void softmax_backward(int64_t rows, int64_t cols, const float* y, const float* g, float* dx);

/// Row-wise log_softmax of a contiguous (rows, cols) array: y = x - max - log(sum e^(x - max)).
/// y may be x. Throws kernn::Error for negative sizes.
void log_softmax_forward(int64_t rows, int64_t cols, const float* x, float* y);

/// Gradient of log_softmax given its output y: dx = g - e^y * sum(g) per row; y, g, dx are
/// contiguous (rows, cols). dx may alias g. Throws kernn::Error for negative sizes.
void log_softmax_backward(int64_t rows, int64_t cols, const float* y, const float* g, float* dx);

/// out[j] = sum over i < rows of g[i * cols + j]: the bias gradient of a contiguous
/// (rows, cols) array. Summed in double in a fixed order (blocks of rows, then the blocks in
/// order), so the result does not depend on the thread count. Throws kernn::Error for
/// negative sizes.
void bias_grad(int64_t rows, int64_t cols, const float* g, float* out);

}  // namespace kernn
