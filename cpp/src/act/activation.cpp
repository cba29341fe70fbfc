// Drivers of the element-wise activations, softmax and the bias gradient: split the work
// into fixed chunks (independent of the thread count) and run the ISA's kernel on each.

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/ftz.h"
#include "core/parallel.h"
#include "act/act_internal.h"
#include "core/kernel_table.h"
#include "core/workspace.h"
#include "kernn/activation.h"
#include "kernn/error.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

constexpr int64_t kChunk = 16384;         // elements per task (a multiple of every W)
constexpr int64_t kParallelMin = 65536;   // below this, one thread is faster
constexpr int64_t kRowWorkMin = 32768;    // rows * cols below this: one thread

struct Named {
  const char* name;
  Activation act;
};
constexpr Named kNames[] = {
    {"linear", Activation::linear},         {"relu", Activation::relu},
    {"relu6", Activation::relu6},           {"leaky_relu", Activation::leaky_relu},
    {"elu", Activation::elu},               {"selu", Activation::selu},
    {"gelu", Activation::gelu},             {"gelu_tanh", Activation::gelu_tanh},
    {"silu", Activation::silu},             {"swish", Activation::silu},
    {"softplus", Activation::softplus},     {"softsign", Activation::softsign},
    {"hard_sigmoid", Activation::hard_sigmoid}, {"hard_silu", Activation::hard_silu},
    {"hard_swish", Activation::hard_silu},  {"exponential", Activation::exponential},
    {"sigmoid", Activation::sigmoid},       {"tanh", Activation::tanh},
    {"mish", Activation::mish},             {"log_sigmoid", Activation::log_sigmoid},
    {"celu", Activation::celu},             {"squareplus", Activation::squareplus},
    {"soft_shrink", Activation::soft_shrink}, {"hard_shrink", Activation::hard_shrink},
    {"hard_tanh", Activation::hard_tanh},   {"tanh_shrink", Activation::tanh_shrink},
    {"sparse_plus", Activation::sparse_plus}, {"sparse_sigmoid", Activation::sparse_sigmoid},
};

void check_n(const char* fn, int64_t n) { KERNN_CHECK(n >= 0, fn, ": n=", n, " must be >= 0"); }

/// Memory-bound activations (a compare or two per element) only gain from threads on
/// arrays larger than the caches; the transcendental ones gain from 64k elements on.
int64_t parallel_min(Activation act) {
  switch (act) {
    case Activation::linear:
    case Activation::relu:
    case Activation::relu6:
    case Activation::leaky_relu:
    case Activation::hard_sigmoid:
    case Activation::hard_silu:
    case Activation::softsign:
    case Activation::soft_shrink:
    case Activation::hard_shrink:
    case Activation::hard_tanh:
    case Activation::sparse_plus:
    case Activation::sparse_sigmoid:
      return int64_t(1) << 21;
    default:
      return kParallelMin;
  }
}

template <class F>
void for_chunks(int64_t n, int64_t parallel_from, F f) {
  FlushDenormals ftz;  // this thread; each worker sets its own below
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(chunks, n >= parallel_from, [&](int64_t c) { f(c * kChunk, std::min(kChunk, n - c * kChunk)); });
}

template <class F>
void for_rows(int64_t rows, int64_t cols, F f) {
  FlushDenormals ftz;
  parallel_for(rows, rows * cols >= kRowWorkMin, f);
}

void check_rows(const char* fn, int64_t rows, int64_t cols) {
  KERNN_CHECK(rows >= 0 && cols >= 0, fn, ": rows=", rows, " and cols=", cols, " must be >= 0");
}

}  // namespace

Activation activation_from_name(const std::string& name) {
  for (const Named& n : kNames)
    if (name == n.name) return n.act;
  std::string known;
  for (const Named& n : kNames) known += std::string(known.empty() ? "" : ", ") + n.name;
  detail::throw_error("Unknown activation '", name, "'; known activations: ", known);
}

const char* activation_name(Activation act) {
  for (const Named& n : kNames)
    if (n.act == act) return n.name;
  return "unknown";
}

void activation_forward(Activation act, const ActivationParams& params, int64_t n, const float* x, float* y) {
  check_n("activation_forward", n);
  const act::ActKernels& k = *kernel_table().act;
  for_chunks(n, parallel_min(act), [&](int64_t i, int64_t len) { k.forward(act, params, len, x + i, y + i); });
}

void activation_backward(Activation act, const ActivationParams& params, int64_t n, const float* x,
                         const float* g, float* dx) {
  check_n("activation_backward", n);
  const act::ActKernels& k = *kernel_table().act;
  for_chunks(n, parallel_min(act), [&](int64_t i, int64_t len) { k.backward(act, params, len, x + i, g + i, dx + i); });
}

bool activation_grad_from_output_supported(Activation act, const ActivationParams& p) {
  switch (act) {
    case Activation::relu: return p.threshold == 0.0f && p.negative_slope >= 0.0f;
    case Activation::leaky_relu: return p.negative_slope >= 0.0f;
    case Activation::elu: return p.alpha > 0.0f;
    case Activation::linear:
    case Activation::relu6:
    case Activation::selu:
    case Activation::softplus:
    case Activation::softsign:
    case Activation::hard_sigmoid:
    case Activation::exponential:
    case Activation::sigmoid:
    case Activation::tanh: return true;
    default: return false;
  }
}

void activation_backward_from_output(Activation act, const ActivationParams& params, int64_t n, const float* y,
                                     const float* g, float* dx) {
  check_n("activation_backward_from_output", n);
  KERNN_CHECK(activation_grad_from_output_supported(act, params), "activation_backward_from_output: the gradient of ",
              activation_name(act), act == Activation::relu || act == Activation::leaky_relu || act == Activation::elu
                  ? " with these parameters" : "",
              " cannot be computed from its output alone; pass its input x");
  const act::ActKernels& k = *kernel_table().act;
  for_chunks(n, parallel_min(act), [&](int64_t i, int64_t len) { k.backward_y(act, params, len, y + i, g + i, dx + i); });
}

void softmax_forward(int64_t rows, int64_t cols, const float* x, float* y) {
  check_rows("softmax", rows, cols);
  if (cols == 0) return;
  const act::ActKernels& k = *kernel_table().act;
  for_rows(rows, cols, [&](int64_t r) { k.softmax_row(cols, x + r * cols, y + r * cols, false); });
}

void log_softmax_forward(int64_t rows, int64_t cols, const float* x, float* y) {
  check_rows("log_softmax", rows, cols);
  if (cols == 0) return;
  const act::ActKernels& k = *kernel_table().act;
  for_rows(rows, cols, [&](int64_t r) { k.softmax_row(cols, x + r * cols, y + r * cols, true); });
}

void softmax_backward(int64_t rows, int64_t cols, const float* y, const float* g, float* dx) {
  check_rows("softmax_backward", rows, cols);
  if (cols == 0) return;
  const act::ActKernels& k = *kernel_table().act;
  for_rows(rows, cols, [&](int64_t r) { k.softmax_grad_row(cols, y + r * cols, g + r * cols, dx + r * cols, false); });
}

void log_softmax_backward(int64_t rows, int64_t cols, const float* y, const float* g, float* dx) {
  check_rows("log_softmax_backward", rows, cols);
  if (cols == 0) return;
  const act::ActKernels& k = *kernel_table().act;
  for_rows(rows, cols, [&](int64_t r) { k.softmax_grad_row(cols, y + r * cols, g + r * cols, dx + r * cols, true); });
}

void bias_grad(int64_t rows, int64_t cols, const float* g, float* out) {
  check_rows("bias_grad", rows, cols);
  if (cols == 0) return;
  FlushDenormals ftz;  // this thread; parallel_for's workers set their own, as in every kernel
  // Fixed blocks of rows, each summed in double by one thread; then the block sums are
  // added in block order. Neither step depends on how many threads run.
  constexpr int64_t kBlockRows = 256;
  const int64_t blocks = (rows + kBlockRows - 1) / kBlockRows;
  if (blocks <= 1) {
    double* acc = reinterpret_cast<double*>(workspace(WorkspaceSlot::scratch0, size_t(2 * cols)));
    std::fill(acc, acc + cols, 0.0);
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = g + r * cols;
      for (int64_t j = 0; j < cols; ++j) acc[j] += row[j];
    }
    for (int64_t j = 0; j < cols; ++j) out[j] = static_cast<float>(acc[j]);
    return;
  }
  // per-block sums in the calling thread's cached scratch (64-byte aligned; two floats per double)
  double* part = reinterpret_cast<double*>(workspace(WorkspaceSlot::scratch0, size_t(2 * blocks * cols)));
  std::fill(part, part + blocks * cols, 0.0);
  const bool par = rows * cols >= kParallelMin;
  parallel_for(blocks, par, [&](int64_t b) {
    double* acc = part + b * cols;
    const int64_t r1 = std::min(rows, (b + 1) * kBlockRows);
    for (int64_t r = b * kBlockRows; r < r1; ++r) {
      const float* row = g + r * cols;
      for (int64_t j = 0; j < cols; ++j) acc[j] += row[j];
    }
  });
  parallel_for(cols, par && cols >= 64, [&](int64_t j) {
    double s = 0.0;
    for (int64_t b = 0; b < blocks; ++b) s += part[b * cols + j];
    out[j] = static_cast<float>(s);
  });
}

}  // namespace kernn
