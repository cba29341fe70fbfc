// THE dispatch point: detect the CPU once, apply the KERNN_ISA cap, and pick each
// area's micro-kernels for that ISA. Nothing else in kernn reads KERNN_ISA or cpuid.
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>

#include "core/kernel_table.h"
#include "gemm/gemm_internal.h"
#include "conv/conv_internal.h"
#include "act/act_internal.h"
#include "rnn/rnn_internal.h"
#include "kernn/error.h"
#include "kernn/isa.h"

namespace kernn {
namespace {

KernelTable make_table(Isa isa) {
  KernelTable t{};
  t.isa = isa;
  switch (isa) {
    case Isa::avx512:
      t.gemm = &avx512::gemm_config();
      t.gemm_wide = &avx512::gemm_config_wide();
      t.gemm_wide_above = t.gemm->nr;
      t.gemm_narrow = &avx512::gemm_config_narrow();
      t.gemm_few_rows = &avx512::gemm_config_few_rows();
      t.gemm_few_rows_max = 192;
      t.gemm_tall = &avx512::gemm_config_tall();
      t.conv = &avx512::conv_kernels();
      t.rnn = &avx512::rnn_kernels();
      t.act = &avx512::act_kernels();
      break;
    case Isa::avx2:
      t.gemm = &avx2::gemm_config();
      // 4x24 pads 32 columns to 48 where 6x16 fits them exactly (G8, Dense(32))
      t.gemm_wide = &avx2::gemm_config_wide();
      t.gemm_wide_above = 2 * t.gemm->nr;
      t.gemm_narrow = t.gemm;
      t.gemm_tall = nullptr;  // 16 accumulators and their operands would need 19 of its 16 registers
      t.conv = &avx2::conv_kernels();
      t.rnn = &avx2::rnn_kernels();
      t.act = &avx2::act_kernels();
      break;
    case Isa::scalar:
      t.gemm = &scalar::gemm_config();
      t.gemm_wide = t.gemm;
      t.gemm_wide_above = t.gemm->nr;
      t.gemm_narrow = t.gemm;
      t.gemm_tall = nullptr;
      t.conv = &scalar::conv_kernels();
      t.rnn = &scalar::rnn_kernels();
      t.act = &scalar::act_kernels();
      break;
  }
  return t;
}

const KernelTable& table_for(Isa isa) {
  static const KernelTable tables[3] = {make_table(Isa::scalar), make_table(Isa::avx2),
                                        make_table(Isa::avx512)};
  return tables[static_cast<int>(isa)];
}

std::atomic<const KernelTable*> g_table{nullptr};
std::mutex g_mutex;
std::string g_warning;

Isa cap_to_cpu(Isa wanted) {
  const Isa best = best_isa();
  return static_cast<int>(wanted) <= static_cast<int>(best) ? wanted : best;
}

const KernelTable& init_from_env() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (const KernelTable* t = g_table.load()) return *t;
  Isa isa = best_isa();
  if (const char* env = std::getenv("KERNN_ISA"); env && *env) {
    const Isa wanted = parse_isa(env, "KERNN_ISA");  // throws on unknown values
    isa = cap_to_cpu(wanted);
    if (isa != wanted)
      g_warning = std::string("KERNN_ISA=") + env + " asks for an instruction set this CPU lacks; using " +
                  isa_name(isa) + " instead";
  }
  const KernelTable* t = &table_for(isa);
  g_table.store(t);
  return *t;
}

}  // namespace

Isa best_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.avx2) return Isa::avx512;
  if (f.avx2 && f.fma) return Isa::avx2;
  return Isa::scalar;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512: return "avx512";
    case Isa::avx2: return "avx2";
    default: return "scalar";
  }
}

Isa parse_isa(const std::string& name, const char* what) {
  if (name == "scalar") return Isa::scalar;
  if (name == "avx2") return Isa::avx2;
  if (name == "avx512") return Isa::avx512;
  detail::throw_error(what, "='", name, "' is not a known instruction set; allowed values: scalar, avx2, avx512");
}

const KernelTable& kernel_table() {
  if (const KernelTable* t = g_table.load(std::memory_order_acquire)) return *t;
  return init_from_env();
}

Isa active_isa() { return kernel_table().isa; }

Isa set_max_isa(Isa isa) {
  kernel_table();  // make sure KERNN_ISA has been validated first
  const Isa use = cap_to_cpu(isa);
  g_table.store(&table_for(use));
  return use;
}

std::string dispatch_warning() {
  kernel_table();
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_warning;
}

}  // namespace kernn
