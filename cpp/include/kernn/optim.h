#pragma once
/// Optimizer updates of Keras 3, in place over many parameter arrays in one call
/// (parallel over all elements of all arrays). Weight decay, gradient clipping and
/// constraints are the caller's.
#include <cstdint>

namespace kernn {

/// The optimizers of Keras 3 that optimizer_update implements (update rules as Keras's
/// update_step; see OptimizerStep for the hyper-parameters each uses).
enum class OptimizerKind { sgd = 0, adam, rmsprop, adagrad, adamax, nadam };

/// One parameter array: its gradient and its optimizer slots, all `size` contiguous floats.
/// Slots by kind (nullptr where unused):
///   sgd: [velocity (momentum != 0)]; adam: [m, v, v_hat (amsgrad)];
///   rmsprop: [velocity, momentum (momentum > 0), average_grad (centered)];
///   adagrad: [accumulator]; adamax: [m, u]; nadam: [m, v].
struct OptimizerTensor {
  float* param = nullptr;
  const float* grad = nullptr;
  float* slots[3] = {nullptr, nullptr, nullptr};
  int64_t size = 0;
};

/// The hyper-parameters of one step, as the Python optimizer holds them (double); the
/// kernel derives each float32 constant the way Keras's update_step does (for example Adam
/// uses float32(1 - beta_1) computed in double, Nadam 1 - float32(beta_1)). `step` is the
/// 1-based iteration (bias correction). Nadam's momentum-schedule terms u_t, u_t1,
/// u_product_t, u_product_t1 are computed by the caller as Keras does (u_product_t already
/// includes u_t).
struct OptimizerStep {
  OptimizerKind kind = OptimizerKind::sgd;
  double learning_rate = 0.01;
  double momentum = 0.0;
  double beta_1 = 0.9, beta_2 = 0.999;
  double epsilon = 1e-7;
  double rho = 0.9;
  bool nesterov = false, amsgrad = false, centered = false;
  int64_t step = 1;
  double u_t = 0, u_t1 = 0, u_product_t = 0, u_product_t1 = 0;
};

/// Applies one update of `step.kind` to every tensor (params and slots updated in place,
/// element-wise, so the result does not depend on the thread count). Throws kernn::Error
/// when count < 0 or step.step < 1, and naming the tensor index when a required pointer
/// (param, grad or a slot the kind needs) is missing or a size is negative; nothing is
/// updated then.
void optimizer_update(const OptimizerStep& step, const OptimizerTensor* tensors, int64_t count);

}  // namespace kernn
