#pragma once
/// Runtime instruction-set dispatch: what the CPU supports and which ISA the kernels use.
#include <string>

namespace kernn {

/// Instruction-set levels kernn has micro-kernels for, lowest first.
enum class Isa { scalar = 0, avx2 = 1, avx512 = 2 };

/// CPU features detected once (cpuid + xgetbv, so the OS must save the registers too).
struct CpuFeatures {
  std::string vendor;
  std::string brand;
  bool avx2 = false;      ///< AVX2 and FMA3, with OS support for YMM state
  bool fma = false;
  bool avx512f = false;   ///< the AVX-512 flags below need OS support for ZMM state
  bool avx512bw = false;
  bool avx512dq = false;
  bool avx512vl = false;
};

/// Features of the CPU this process runs on (detected on first call, then cached). Never
/// throws.
const CpuFeatures& cpu_features();

/// Best ISA the CPU supports (and the OS enables). Never throws.
Isa best_isa();

/// ISA the kernels use now: the best the CPU supports, capped by the environment
/// variable KERNN_ISA (scalar|avx2|avx512) read on first use, or by set_max_isa().
/// Throws kernn::Error if KERNN_ISA holds an unknown value.
Isa active_isa();

/// Cap the ISA at `isa` (or the best available when the CPU lacks it). Returns the
/// ISA now in use. Meant for tests and benchmarks; not safe while kernels run. Throws
/// kernn::Error, as active_isa, if KERNN_ISA holds an unknown value.
Isa set_max_isa(Isa isa);

/// Parse "scalar" | "avx2" | "avx512"; throws kernn::Error listing the allowed values.
Isa parse_isa(const std::string& name, const char* what = "KERNN_ISA");

/// "scalar", "avx2" or "avx512". Never throws.
const char* isa_name(Isa isa);

/// A warning produced while applying KERNN_ISA (empty if none), e.g. when the CPU
/// lacks the requested level. The Python package turns it into a RuntimeWarning. Throws
/// kernn::Error, as active_isa, if KERNN_ISA holds an unknown value.
std::string dispatch_warning();

}  // namespace kernn
