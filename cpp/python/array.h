#pragma once
// Helpers of the binding layer: turn NumPy arrays into pointer + shape + element strides,
// checking dtype and rank. Python's kernn/ops.py has already coerced dtypes and given
// user-facing messages; these checks guard the C++ side against misuse of _core.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "kernn/error.h"
#include "kernn/threading.h"

namespace kernn::py_bind {
namespace py = pybind11;

/// Held around every kernel call: releases the GIL, and shares the thread budget with
/// other Python threads running kernels at the same time (see kernn::ThreadShare).
struct KernelCall {
  py::gil_scoped_release release;
  ThreadShare share;
};

struct View {
  float* ptr = nullptr;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements
  int64_t dim(int i) const { return shape[i]; }
  int64_t stride(int i) const { return strides[i]; }
};

inline View view_of(const py::array& arr, const char* fn, const char* name, int ndim, bool writable = false) {
  if (!py::isinstance<py::array_t<float>>(arr) || arr.dtype().kind() != 'f' || arr.itemsize() != 4)
    detail::throw_error(fn, ": ", name, " must be a float32 array. Received: dtype=",
                        std::string(py::str(arr.dtype())));
  if (arr.ndim() != ndim)
    detail::throw_error(fn, ": ", name, " must have ", ndim, " dimensions. Received: ndim=", arr.ndim());
  if (writable && !arr.writeable()) detail::throw_error(fn, ": ", name, " is read-only");
  View v;
  v.ptr = static_cast<float*>(const_cast<void*>(arr.data()));
  for (int i = 0; i < ndim; ++i) {
    v.shape.push_back(arr.shape(i));
    if (arr.strides(i) % 4 != 0)
      detail::throw_error(fn, ": ", name, " has a stride of ", arr.strides(i), " bytes, not a multiple of 4");
    v.strides.push_back(arr.strides(i) / 4);
  }
  return v;
}

}  // namespace kernn::py_bind
