#pragma once
// The kernel table: for the ISA in use, a pointer to each area's micro-kernels and
// block sizes. Filled in one place, core/dispatch.cpp; drivers read it.
#include "kernn/isa.h"

namespace kernn {
namespace gemm { struct GemmConfig; }
namespace conv { struct ConvKernels; }
namespace rnn { struct RnnKernels; }
namespace act { struct ActKernels; }

struct KernelTable {
  Isa isa;
  const gemm::GemmConfig* gemm;       ///< the GEMM micro-kernel (also used directly by rnn/)
  const gemm::GemmConfig* gemm_wide;  ///< used by the GEMM driver when n > gemm_wide_above (may equal gemm)
  int gemm_wide_above;  ///< at most this many columns, the driver keeps gemm (or gemm_narrow)
  const gemm::GemmConfig* gemm_narrow;  ///< used by the GEMM driver when n <= gemm_narrow->nr (may equal gemm)
  /// used by the GEMM driver instead of gemm_wide for products of at most gemm_few_rows_max
  /// rows; nullptr where the ISA has none
  const gemm::GemmConfig* gemm_few_rows;
  int gemm_few_rows_max;
  const gemm::GemmConfig* gemm_tall;  ///< 8 rows, for rnn/'s deep per-step products; nullptr where the ISA has none
  const conv::ConvKernels* conv;
  const rnn::RnnKernels* rnn;
  const act::ActKernels* act;
};

/// Table of the ISA in use (see active_isa()).
const KernelTable& kernel_table();

}  // namespace kernn
