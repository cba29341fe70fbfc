// GEMM: _core.matmul over (batch, rows, cols) strided float32 views.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "array.h"
#include "kernn/gemm.h"

namespace py = pybind11;

namespace kernn::py_bind {

void bind_gemm(py::module_& m) {
  m.def(
      "matmul",
      [](const py::array& a, const py::array& b, py::array& out, float alpha, float beta,
         const py::object& bias, int activation) {
        // 2-D operands are a batch of one (the common case, with no reshaping in Python)
        const int nd = out.ndim() == 2 ? 2 : 3;
        View va = view_of(a, "matmul", "a", nd), vb = view_of(b, "matmul", "b", nd);
        View vc = view_of(out, "matmul", "out", nd, true);
        if (nd == 2)
          for (View* v : {&va, &vb, &vc}) {
            v->shape.insert(v->shape.begin(), 1);
            v->strides.insert(v->strides.begin(), 0);
          }
        const int64_t batch = vc.dim(0), mm = vc.dim(1), nn = vc.dim(2), kk = va.dim(2);
        KERNN_CHECK(va.dim(0) == batch && vb.dim(0) == batch, "matmul: batch sizes differ: a ", va.dim(0),
                    ", b ", vb.dim(0), ", out ", batch);
        KERNN_CHECK(va.dim(1) == mm && vb.dim(2) == nn && vb.dim(1) == kk, "matmul: shapes do not chain: a (",
                    va.dim(1), ", ", va.dim(2), "), b (", vb.dim(1), ", ", vb.dim(2), "), out (", mm, ", ", nn, ")");
        KERNN_CHECK(activation >= 0 && activation <= 3, "matmul: unknown activation code ", activation);
        GemmEpilogue ep;
        ep.activation = static_cast<GemmActivation>(activation);
        if (!bias.is_none()) {
          View vbias = view_of(bias.cast<py::array>(), "matmul", "bias", 1);
          KERNN_CHECK(vbias.dim(0) == nn, "matmul: bias has ", vbias.dim(0), " values but the output has ", nn,
                      " columns");
          ep.bias = vbias.ptr;
          ep.bias_stride = vbias.stride(0);
        }
        KernelCall release;  // GIL released, thread budget shared
        sgemm_batched(batch, mm, nn, kk, alpha, va.ptr, va.stride(0), va.stride(1), va.stride(2), vb.ptr,
                      vb.stride(0), vb.stride(1), vb.stride(2), beta, vc.ptr, vc.stride(0), vc.stride(1),
                      vc.stride(2), ep);
      },
      py::arg("a"), py::arg("b"), py::arg("out"), py::arg("alpha"), py::arg("beta"), py::arg("bias"),
      py::arg("activation"));
}

}  // namespace kernn::py_bind
