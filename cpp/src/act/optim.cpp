// Driver of the optimizer updates: all elements of all tensors are cut into fixed chunks,
// which run in parallel (one OpenMP loop per step, whatever the number of tensors).
#include <algorithm>
#include <vector>

#include "core/ftz.h"
#include "core/parallel.h"
#include "act/act_internal.h"
#include "core/kernel_table.h"
#include "kernn/error.h"
#include "kernn/optim.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

constexpr int64_t kChunk = 16384;
constexpr int64_t kParallelMin = 65536;

struct Chunk {
  int64_t tensor, offset, size;
};

const char* kind_name(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::sgd: return "sgd_update";
    case OptimizerKind::adam: return "adam_update";
    case OptimizerKind::rmsprop: return "rmsprop_update";
    case OptimizerKind::adagrad: return "adagrad_update";
    case OptimizerKind::adamax: return "adamax_update";
    case OptimizerKind::nadam: return "nadam_update";
  }
  return "optimizer_update";
}

/// Which slots `step` needs: bit i set means slots[i] must be given; the others must be null.
unsigned needed_slots(const OptimizerStep& s) {
  switch (s.kind) {
    case OptimizerKind::sgd: return s.momentum != 0.0 ? 1u : 0u;
    case OptimizerKind::adam: return s.amsgrad ? 7u : 3u;
    case OptimizerKind::rmsprop: return 1u | (s.momentum > 0.0 ? 2u : 0u) | (s.centered ? 4u : 0u);
    case OptimizerKind::adagrad: return 1u;
    case OptimizerKind::adamax: return 3u;
    case OptimizerKind::nadam: return 3u;
  }
  return 0u;
}

}  // namespace

void optimizer_update(const OptimizerStep& step, const OptimizerTensor* tensors, int64_t count) {
  const char* fn = kind_name(step.kind);
  KERNN_CHECK(count >= 0, fn, ": count=", count, " must be >= 0");
  KERNN_CHECK(step.step >= 1, fn, ": step=", step.step, " must be >= 1 (the 1-based iteration)");
  const unsigned need = needed_slots(step);
  thread_local std::vector<Chunk> chunks;
  chunks.clear();
  int64_t total = 0;
  for (int64_t t = 0; t < count; ++t) {
    const OptimizerTensor& x = tensors[t];
    KERNN_CHECK(x.size >= 0, fn, ": tensor ", t, " has size ", x.size);
    if (x.size == 0) continue;
    KERNN_CHECK(x.param && x.grad, fn, ": tensor ", t, " lacks its parameter or gradient");
    for (int i = 0; i < 3; ++i) {
      const bool want = (need >> i) & 1u;
      KERNN_CHECK(!want || x.slots[i], fn, ": tensor ", t, " lacks optimizer slot ", i);
    }
    for (int64_t o = 0; o < x.size; o += kChunk) chunks.push_back({t, o, std::min(kChunk, x.size - o)});
    total += x.size;
  }
  const act::ActKernels& k = *kernel_table().act;
  auto run = [&](const Chunk& c) {
    const OptimizerTensor& x = tensors[c.tensor];
    auto slot = [&](int i) { return ((need >> i) & 1u) ? x.slots[i] + c.offset : nullptr; };
    k.optim(step, c.size, x.param + c.offset, x.grad + c.offset, slot(0), slot(1), slot(2));
  };
  const int64_t nchunks = static_cast<int64_t>(chunks.size());
  const Chunk* cs = chunks.data();
  FlushDenormals ftz;
  parallel_for(nchunks, total >= kParallelMin, [&](int64_t i) { run(cs[i]); });
}

}  // namespace kernn
