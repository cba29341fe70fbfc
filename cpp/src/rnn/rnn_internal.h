#pragma once
// Shared between the portable recurrent drivers (rnn/*.cpp) and the per-ISA fused gate
// micro-kernels (rnn/isa/rnn_*.cpp). No intrinsics here. Every kernel works on one batch
// row of n = units values per gate; gate blocks of a row are contiguous (G * n floats).
#include <cstdint>

#include "kernn/rnn.h"

namespace kernn::rnn {

struct RnnKernels {
  /// z (n): pre-activation in, act(z) out (in place). h = act(z); hin = h * rdm (rdm null:
  /// hin = h; hin null: not written).
  void (*simple_fwd)(int64_t n, RnnActivation act, float* z, float* h, float* hin, const float* rdm);
  /// z (4n, gates i f c o): pre-activations in, activations out. c = f c_prev + i g,
  /// ac = act(c), h = o ac, hin = h * rdm.
  void (*lstm_fwd)(int64_t n, RnnActivation act, RnnActivation ract, float* z, const float* c_prev,
                   float* c, float* ac, float* h, float* hin, const float* rdm);
  /// z (2n, gates z r): activations in place; when rh is not null, rh = r * hin (GRU with
  /// reset before the product).
  void (*gru_gates)(int64_t n, RnnActivation ract, float* z, const float* hin, float* rh);
  /// z (3n) with z, r already activated: hh = act(x_h + r * rec_h) when rec_h is given
  /// (reset_after), else act(x_h) (the product is already in it); stored in z[2n:].
  /// h = zg h_prev + (1 - zg) hh; hin = h * rdm.
  void (*gru_fwd)(int64_t n, RnnActivation act, float* z, const float* rec_h, const float* h_prev,
                  float* h, float* hin, const float* rdm);

  /// dz = dh * act'(h) from the activation h.
  void (*simple_bwd)(int64_t n, RnnActivation act, const float* h, const float* dh, float* dz);
  /// From the saved gate activations g (4n), c_prev and ac = act(c): writes the
  /// pre-activation gradients dz (4n) and replaces dc (grad of c) by the grad of c_prev.
  void (*lstm_bwd)(int64_t n, RnnActivation act, RnnActivation ract, const float* g, const float* c_prev,
                   const float* ac, const float* dh, float* dc, float* dz);
  /// GRU: dz (3n) input-side pre-activation grads, dr (3n) recurrent-side ones,
  /// dh_direct = dh * z. reset_after (rec_h given): dz = [dz, dr, dhh], dr = [dz, dr, dhh r].
  /// Otherwise the r block is left for gru_bwd_r and dr's h block = dhh.
  void (*gru_bwd)(int64_t n, RnnActivation act, RnnActivation ract, const float* g, const float* h_prev,
                  const float* rec_h, const float* dh, float* dz, float* dr, float* dh_direct);
  /// GRU reset before: given drh = grad of rh = r * hin, writes the r-gate pre-activation
  /// grad to dz_r and dr_r and sets dhin = drh * r.
  void (*gru_bwd_r)(int64_t n, RnnActivation ract, const float* r, const float* hin, const float* drh,
                    float* dz_r, float* dr_r, float* dhin);

  /// acc[0:n] += x[0:n]: a row's pre-activation gradients into its bias-gradient sum, while
  /// they are in cache.
  void (*accumulate)(int64_t n, const float* x, float* acc);

  /// One row times a packed B (the GEMM's NR-column panels, k x NR each, nr = NR):
  /// c[0:n] = a[0:k] B + beta c (+ bias). The batch-of-one case of the per-step product,
  /// where the GEMM micro-kernel would spend MR rows of work on one.
  void (*gemv_packed)(int64_t k, const float* a, const float* b, int64_t n, int nr, float* c, float beta,
                      const float* bias);
};

}  // namespace kernn::rnn

namespace kernn::scalar { const rnn::RnnKernels& rnn_kernels(); }
namespace kernn::avx2 { const rnn::RnnKernels& rnn_kernels(); }
namespace kernn::avx512 { const rnn::RnnKernels& rnn_kernels(); }
