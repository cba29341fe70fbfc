#pragma once
// Embedding lookups: the gather forward and the scatter-add gradient.
#include <cstdint>

namespace kernn {

/// out[i, :] = table[indices[i], :] for i < n; table is (vocab, dim) row-major.
/// Throws kernn::Error naming the first index outside [0, vocab).
void embedding_forward(int64_t n, const int64_t* indices, int64_t vocab, int64_t dim, const float* table,
                       float* out);

/// grad_table[indices[i], :] += grad[i, :] for i < n, in index order for every row, so the
/// sums do not depend on the thread count (threads split the columns). grad_table is
/// (vocab, dim) and accumulated into, not overwritten. Throws kernn::Error for an index
/// outside [0, vocab).
void embedding_backward(int64_t n, const int64_t* indices, int64_t vocab, int64_t dim, const float* grad,
                        float* grad_table);

}  // namespace kernn
