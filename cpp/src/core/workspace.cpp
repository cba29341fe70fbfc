#include "core/workspace.h"

#include <cstdlib>
#include <new>

namespace kernn {
namespace {

struct Buffers {
  float* ptr[static_cast<int>(WorkspaceSlot::count)] = {};
  size_t size[static_cast<int>(WorkspaceSlot::count)] = {};
  ~Buffers() {
    for (float* p : ptr) std::free(p);
  }
};

thread_local Buffers t_buffers;

}  // namespace

float* workspace(WorkspaceSlot slot, size_t floats) {
  const int s = static_cast<int>(slot);
  if (t_buffers.size[s] < floats) {
    std::free(t_buffers.ptr[s]);
    t_buffers.ptr[s] = nullptr;
    t_buffers.size[s] = 0;
    // round up to a whole number of cache lines, and leave some headroom to grow into
    size_t n = floats + floats / 4 + 16;
    size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    t_buffers.ptr[s] = static_cast<float*>(p);
    t_buffers.size[s] = bytes / sizeof(float);
  }
  return t_buffers.ptr[s];
}

}  // namespace kernn
