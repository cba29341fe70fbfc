// Embedding gather and scatter-add gradient (the sequence models' input layer).
#include <algorithm>
#include <cstring>

#include "core/parallel.h"
#include "kernn/embedding.h"
#include "kernn/error.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

void check_indices(const char* fn, int64_t n, const int64_t* idx, int64_t vocab) {
  KERNN_CHECK(n >= 0 && vocab >= 0, fn, ": sizes must be >= 0. Received: n=", n, ", vocab=", vocab);
  for (int64_t i = 0; i < n; ++i)
    KERNN_CHECK(idx[i] >= 0 && idx[i] < vocab, fn, ": index ", idx[i], " at position ", i,
                " is outside the vocabulary [0, ", vocab, ")");
}

}  // namespace

void embedding_forward(int64_t n, const int64_t* indices, int64_t vocab, int64_t dim, const float* table,
                       float* out) {
  check_indices("embedding", n, indices, vocab);
  parallel_for(n, n * dim > 65536, [&](int64_t i) {
    std::memcpy(out + i * dim, table + indices[i] * dim, sizeof(float) * size_t(dim));
  });
}

void embedding_backward(int64_t n, const int64_t* indices, int64_t vocab, int64_t dim, const float* grad,
                        float* grad_table) {
  check_indices("embedding_backward", n, indices, vocab);
  FlushDenormals ftz;  // this thread; parallel_for's workers set their own
  // chunks of 16 columns, each summed over all indices in order by one thread
  const int64_t chunk = 16, chunks = (dim + chunk - 1) / chunk;
  parallel_for(chunks, n * dim > 65536, [&](int64_t q) {
    const int64_t j0 = q * chunk, j1 = std::min(dim, j0 + chunk);
    for (int64_t i = 0; i < n; ++i) {
      float* dst = grad_table + indices[i] * dim;
      const float* src = grad + i * dim;
      for (int64_t j = j0; j < j1; ++j) dst[j] += src[j];
    }
  });
}

}  // namespace kernn
