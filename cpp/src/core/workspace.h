#pragma once
// Cached, 64-byte aligned scratch buffers: one set per thread (OpenMP workers persist,
// so their buffers do too). A kernel asks for a slot and a size; the buffer grows when
// needed and is reused across calls, so hot paths do not allocate.
#include <cstddef>

namespace kernn {

enum class WorkspaceSlot { gemm_a = 0, gemm_b = 1, scratch0 = 2, scratch1 = 3, rnn_rows = 4, count = 5 };

/// A buffer of at least `floats` floats for the calling thread. Valid until the same
/// thread asks for the same slot again. Throws std::bad_alloc when memory runs out.
float* workspace(WorkspaceSlot slot, size_t floats);

}  // namespace kernn
