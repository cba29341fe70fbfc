// The pybind11 module kernn._core: the only place where Python and the kernels meet.
#include <pybind11/pybind11.h>

#include "kernn/error.h"

namespace py = pybind11;

namespace kernn::py_bind {
void bind_core(py::module_& m);
void bind_gemm(py::module_& m);
void bind_conv(py::module_& m);
void bind_rnn(py::module_& m);
void bind_act(py::module_& m);
}  // namespace kernn::py_bind

PYBIND11_MODULE(_core, m) {
  m.doc() = "kernn's C++ kernels. Use the kernn package (kernn.ops) rather than this module.";
  // kernn::Error derives from std::invalid_argument, which pybind11 turns into ValueError.
  kernn::py_bind::bind_core(m);
  kernn::py_bind::bind_gemm(m);
  kernn::py_bind::bind_conv(m);
  kernn::py_bind::bind_rnn(m);
  kernn::py_bind::bind_act(m);
}
