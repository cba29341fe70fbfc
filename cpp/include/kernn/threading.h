#pragma once

namespace kernn {

/// Number of OpenMP threads kernn's kernels use. Defaults to OMP_NUM_THREADS when set,
/// else the number of CPUs this process may run on.
int get_num_threads();

/// Set the thread count for all later kernel calls (from any thread). n >= 1, else
/// kernn::Error.
void set_num_threads(int n);

}  // namespace kernn
