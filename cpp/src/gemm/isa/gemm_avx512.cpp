// avx512 GEMM micro-kernel and its block sizes. Compiled with the avx512 flags only.
#include <cstdint>
#include <immintrin.h>

#include "gemm/gemm_internal.h"

namespace kernn::avx512 {

#include "core/isa/simd_avx512.inc"
#include "core/isa/vmath.inc"
#include "gemm/isa/ukernel.inc"

// For outputs of at most 16 columns (a Dense(10) head and its gradients): one vector per
// row, so no FMA is spent on a second, empty vector of 6x32. 8 rows, not 12: an A read in
// place with a 4 KiB row stride (Dense(10) on 1024 features) puts all of a tile's rows in
// one 8-way L1 set, and 12 rows missed on every line (32x10x1024: 12x16 took 1.3x the time).
const gemm::GemmConfig& gemm_config_narrow() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<8, 1>, sgemm_rows_tpl<8, 1>, 8, V::W, 96, 192, 4096,
                                       "sgemm_ukernel_8x16", 8};
  return config;
}

// For outputs wider than 32 columns: 4 rows x 4 vectors loads fewer A values per FMA; on
// Zen 4 it measured 2-25% faster than 6x32 (G4-G6 most), but wastes half a tile when n <= 32.
const gemm::GemmConfig& gemm_config_wide() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<4, 4>, sgemm_rows_tpl<4, 4>, 4, 4 * V::W, 96, 192, 4096,
                                       "sgemm_ukernel_4x64", 4};
  return config;
}

// For the recurrent layers' per-step products only (rnn/ picks it): 8 rows x 2 vectors keeps
// 4x64's 16 accumulators with half its B panel (k x 32), which stays in L1 for the next row
// tile of a deep product.
const gemm::GemmConfig& gemm_config_tall() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<8, 2>, sgemm_rows_tpl<8, 2>, 8, 2 * V::W, 96, 192, 4096,
                                       "sgemm_ukernel_8x32", 4};
  return config;
}

// For the GEMM driver's wide products of at most 192 rows (a batch through a Dense layer,
// a recurrent layer's weight gradient [XH]^T dZ): 8x32 reads half of 4x64's B panel per k
// step for the same 16 accumulators, with k blocks of 256 (fewer passes over C than 192;
// 384 measured 1-3% faster still on Zen 5, but its 48 KiB panel would not fit a 32 KiB L1).
// On Zen 5 (two 512-bit FMAs per cycle), two threads, against 4x64: 32x512x128 1.19x,
// 128x512x784 1.20x, 160x512x1600 (Aᵀ) 1.25x, 64x256x128 1.26x faster; at 256 rows it was
// 0.95-1.1x and from 320 rows 4x64 was 2-2.5% faster, so those stay on 4x64.
const gemm::GemmConfig& gemm_config_few_rows() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<8, 2>, sgemm_rows_tpl<8, 2>, 8, 2 * V::W, 96, 256, 4096,
                                       "sgemm_ukernel_8x32_k256", 4};
  return config;
}

const gemm::GemmConfig& gemm_config() {
  static const gemm::GemmConfig config{sgemm_ukernel_tpl<6, 2>, sgemm_rows_tpl<6, 2>, 6, 2 * V::W, 96, 192, 4096,
                                       "sgemm_ukernel_6x32", 2};
  return config;
}

}  // namespace kernn::avx512
