#pragma once
// Recurrent layers over a whole sequence in one call: SimpleRNN, LSTM and GRU (Keras's
// equations, weight layouts and gate orders), forward and backward through time.
#include <cstdint>

namespace kernn {

/// The recurrent cell. Gates per cell G: simple 1, lstm 4 (i, f, c, o), gru 3 (z, r, h).
enum class RnnCell { simple = 0, lstm = 1, gru = 2 };

/// Activations a recurrent kernel can apply. Each one's derivative is computed from its
/// output, so backward needs only the saved activations. hard_sigmoid is Keras 3's
/// clip(x / 6 + 1/2, 0, 1); elu uses alpha = 1; selu Keras's constants.
enum class RnnActivation {
  linear = 0, tanh = 1, sigmoid = 2, relu = 3, hard_sigmoid = 4,
  softsign = 5, elu = 6, selu = 7, exponential = 8, relu6 = 9,
};

/// Sizes and options of one recurrent layer call.
struct RnnConfig {
  RnnCell cell = RnnCell::lstm;
  int64_t batch = 0, steps = 0, input_size = 0, units = 0;
  RnnActivation activation = RnnActivation::tanh;
  RnnActivation recurrent_activation = RnnActivation::sigmoid;  ///< gates (LSTM, GRU)
  bool reset_after = true;    ///< GRU only: Keras's reset_after
  bool go_backwards = false;  ///< process the steps from last to first (Keras)
};

/// The inputs of a call. All float32, row-major, contiguous.
struct RnnInputs {
  const float* x = nullptr;                 ///< (batch, steps, input_size)
  const float* kernel = nullptr;            ///< (input_size, G * units)
  const float* recurrent_kernel = nullptr;  ///< (units, G * units)
  /// nullptr: no bias. Else (G * units), or (2, 3 * units) for a GRU with reset_after
  /// (row 0 the input bias, row 1 the recurrent bias).
  const float* bias = nullptr;
  const float* h0 = nullptr;  ///< (batch, units) initial state, nullptr for zeros
  const float* c0 = nullptr;  ///< LSTM (batch, units) initial carry, nullptr for zeros
  /// (batch, steps), indexed by input step: 0 = masked. At a masked step the state and
  /// the output repeat the previous ones (the output is zero before the first unmasked
  /// step, as in Keras). nullptr: nothing masked.
  const uint8_t* mask = nullptr;
  /// (batch, input_size) multiplier of the inputs at every step (Keras dropout: 0 or
  /// 1 / (1 - rate)), nullptr for none.
  const float* input_dropout = nullptr;
  /// (batch, units) multiplier of the previous state where it enters the recurrent
  /// product, the same for every gate and step; the state carried by LSTM's c and GRU's
  /// z * h_prev is not dropped. nullptr for none.
  const float* recurrent_dropout = nullptr;
};

/// What forward writes. Any pointer may be nullptr when that result is not wanted.
struct RnnOutputs {
  float* sequence = nullptr;  ///< (batch, steps, units) outputs in processing order
  float* last = nullptr;      ///< (batch, units) last output (zero for a fully masked row)
  float* h = nullptr;         ///< (batch, units) final state h
  float* c = nullptr;         ///< LSTM (batch, units) final carry c
};

/// Gradients with respect to the outputs, for backward. nullptr means zero.
struct RnnOutputGrads {
  const float* sequence = nullptr;  ///< (batch, steps, units)
  const float* last = nullptr;      ///< (batch, units)
  const float* h = nullptr;         ///< (batch, units)
  const float* c = nullptr;         ///< (batch, units), LSTM
};

/// What backward writes (overwritten, not accumulated). nullptr: not wanted (the
/// gradients of the weights are computed only when asked for; without h0, the first
/// step's recurrent-input product is skipped where nothing else needs it).
struct RnnGrads {
  float* x = nullptr;                 ///< (batch, steps, input_size)
  float* kernel = nullptr;            ///< (input_size, G * units)
  /// (units, G * units). Placed right after `kernel` (kernel + input_size * G * units), the
  /// LSTM and SimpleRNN weight gradients are written there by one product with no copy.
  float* recurrent_kernel = nullptr;
  float* bias = nullptr;              ///< the bias's shape
  float* h0 = nullptr;                ///< (batch, units)
  float* c0 = nullptr;                ///< (batch, units), LSTM
};

/// Number of gates G of a cell (1, 4 or 3). Never throws.
int64_t rnn_gates(RnnCell cell);

/// Number of bias values the cell expects: G * units, or 6 * units for a GRU with
/// reset_after. Never throws.
int64_t rnn_bias_size(const RnnConfig& cfg);

/// Floats of workspace that rnn_forward fills for rnn_backward (the gate activations and
/// states of every step): batch * steps * (G * units + 2 * units + input_size), plus
/// 2 * units (LSTM) or units (GRU) per row, each array starting a multiple of 16 floats in.
/// A workspace aligned to 64 bytes then keeps every row of a width that is a multiple of 16
/// in whole cache lines. Never throws (cfg is checked by the kernels).
int64_t rnn_workspace_size(const RnnConfig& cfg);

/// Runs the cell over the whole sequence: one GEMM projects the inputs of all steps
/// (bias fused), then the time loop does one (batch x units) x (units x G*units) product
/// per step against the recurrent kernel, packed once, with the gate non-linearities
/// fused right after it. Threads split the batch rows, so results do not depend on the
/// thread count. Pass `workspace` (rnn_workspace_size floats) to keep what backward
/// needs, or nullptr for inference. Throws kernn::Error for negative sizes, units < 1, an
/// unknown cell or activation, or a missing required input (x, kernel, recurrent_kernel).
void rnn_forward(const RnnConfig& cfg, const RnnInputs& in, const RnnOutputs& out,
                 float* workspace = nullptr);

/// Backward through time over the whole sequence, given the same cfg and inputs as the
/// forward call that filled `workspace` (left unchanged). The gradients of the weights are
/// large GEMMs over all steps at the end, summed in a fixed order (deterministic for any
/// thread count). Throws kernn::Error as rnn_forward, or when workspace is null.
void rnn_backward(const RnnConfig& cfg, const RnnInputs& in, const float* workspace,
                  const RnnOutputGrads& dout, const RnnGrads& grads);

/// Short name of an activation ("tanh", ...; "unknown" for a value outside the enum).
/// Never throws.
const char* rnn_activation_name(RnnActivation a);

/// The activation named `name` (the names rnn_activation_name gives). Throws kernn::Error
/// naming `what` (the argument, e.g. "recurrent_activation") and the allowed names when
/// unknown.
RnnActivation parse_rnn_activation(const char* name, const char* what);

}  // namespace kernn
