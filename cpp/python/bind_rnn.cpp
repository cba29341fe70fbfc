// Recurrent layers: _core.rnn_forward / _core.rnn_backward over contiguous float32 arrays.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <vector>

#include "array.h"
#include "kernn/embedding.h"
#include "kernn/rnn.h"

namespace py = pybind11;

namespace kernn::py_bind {
namespace {

constexpr const char* kFn = "rnn";

// A C-contiguous float32 array of exactly `shape`, or nullptr for None.
float* contiguous(const py::object& obj, const char* name, std::initializer_list<int64_t> shape,
                  bool writable = false) {
  if (obj.is_none()) return nullptr;
  View v = view_of(obj.cast<py::array>(), kFn, name, int(shape.size()), writable);
  int64_t expect = 1, i = int64_t(shape.size()), total = 1;
  std::vector<int64_t> dims(shape);
  for (int64_t d : dims) total *= d;
  for (--i; i >= 0; --i) {
    KERNN_CHECK(v.dim(int(i)) == dims[size_t(i)], kFn, ": ", name, " has size ", v.dim(int(i)), " in dimension ", i,
                " but ", dims[size_t(i)], " is needed");
    KERNN_CHECK(total == 0 || v.dim(int(i)) <= 1 || v.stride(int(i)) == expect, kFn, ": ", name, " must be C-contiguous");
    expect *= dims[size_t(i)];
  }
  return v.ptr;
}

const uint8_t* mask_of(const py::object& obj, int64_t batch, int64_t steps) {
  if (obj.is_none()) return nullptr;
  auto arr = obj.cast<py::array>();
  KERNN_CHECK(py::isinstance<py::array_t<uint8_t>>(arr) && arr.itemsize() == 1 && arr.dtype().kind() == 'u', kFn,
              ": mask must be a uint8 array");
  KERNN_CHECK(arr.ndim() == 2 && arr.shape(0) == batch && arr.shape(1) == steps, kFn, ": mask must have shape (",
              batch, ", ", steps, ")");
  KERNN_CHECK(arr.flags() & py::array::c_style, kFn, ": mask must be C-contiguous");
  return static_cast<const uint8_t*>(arr.data());
}

struct Call {
  RnnConfig cfg;
  RnnInputs in;
};

Call make_call(int cell, const py::array& x, const py::array& kernel, const py::array& recurrent,
               const py::object& bias, const py::object& h0, const py::object& c0, const py::object& mask,
               const py::object& input_dropout, const py::object& recurrent_dropout, int activation,
               int recurrent_activation, bool reset_after, bool go_backwards) {
  Call c;
  KERNN_CHECK(cell >= 0 && cell <= 2, kFn, ": unknown cell code ", cell);
  KERNN_CHECK(activation >= 0 && activation <= int(RnnActivation::relu6), kFn, ": unknown activation code ", activation);
  KERNN_CHECK(recurrent_activation >= 0 && recurrent_activation <= int(RnnActivation::relu6), kFn,
              ": unknown activation code ", recurrent_activation);
  c.cfg.cell = RnnCell(cell);
  View vx = view_of(x, kFn, "x", 3);
  View vr = view_of(recurrent, kFn, "recurrent_kernel", 2);
  c.cfg.batch = vx.dim(0), c.cfg.steps = vx.dim(1), c.cfg.input_size = vx.dim(2), c.cfg.units = vr.dim(0);
  c.cfg.activation = RnnActivation(activation);
  c.cfg.recurrent_activation = RnnActivation(recurrent_activation);
  c.cfg.reset_after = reset_after;
  c.cfg.go_backwards = go_backwards;
  const int64_t B = c.cfg.batch, S = c.cfg.steps, I = c.cfg.input_size, U = c.cfg.units;
  const int64_t GU = rnn_gates(c.cfg.cell) * U;
  c.in.x = contiguous(x, "x", {B, S, I});
  c.in.kernel = contiguous(kernel, "kernel", {I, GU});
  c.in.recurrent_kernel = contiguous(recurrent, "recurrent_kernel", {U, GU});
  if (!bias.is_none()) {
    if (c.cfg.cell == RnnCell::gru && reset_after) c.in.bias = contiguous(bias, "bias", {2, GU});
    else c.in.bias = contiguous(bias, "bias", {GU});
  }
  c.in.h0 = contiguous(h0, "h0", {B, U});
  c.in.c0 = contiguous(c0, "c0", {B, U});
  c.in.mask = mask_of(mask, B, S);
  c.in.input_dropout = contiguous(input_dropout, "input_dropout", {B, I});
  c.in.recurrent_dropout = contiguous(recurrent_dropout, "recurrent_dropout", {B, U});
  return c;
}

// A fresh float32 array of n floats whose data starts on a 64-byte line: a view into one 16
// floats longer. NumPy aligns to 16 bytes, which split every vector load and store of the
// recurrent workspace's rows across two cache lines: with it and the gradients aligned, R1
// LSTM's forward + backward ran 1.6-2.3% faster in quiet spells, 8-9% in memory-contended ones.
py::array aligned_floats(py::ssize_t n) {
  py::array_t<float> base(std::vector<py::ssize_t>{n + 16});
  const auto misalign = reinterpret_cast<uintptr_t>(base.data()) % 64;
  const py::ssize_t off = py::ssize_t((64 - misalign) % 64 / sizeof(float));
  return base[py::slice(off, off + n, 1)];
}

// A fresh array of `shape`, or None. `aligned` (as aligned_floats) for the arrays a kernel
// streams through (the others, batch x units, are not worth the extra view: 0.1 us each).
py::object none_or(bool want, std::initializer_list<py::ssize_t> shape, bool aligned = false) {
  if (!want) return py::none();
  if (!aligned) return py::array_t<float>(std::vector<py::ssize_t>(shape));
  py::ssize_t n = 1;
  for (py::ssize_t d : shape) n *= d;
  return aligned_floats(n).reshape(std::vector<py::ssize_t>(shape));
}

float* ptr(const py::object& o) { return o.is_none() ? nullptr : static_cast<float*>(o.cast<py::array>().mutable_data()); }

}  // namespace

void bind_rnn(py::module_& m) {
  m.def(
      "rnn_forward",
      [](int cell, const py::array& x, const py::array& kernel, const py::array& recurrent, const py::object& bias,
         const py::object& h0, const py::object& c0, const py::object& mask, const py::object& input_dropout,
         const py::object& recurrent_dropout, int activation, int recurrent_activation, bool reset_after,
         bool go_backwards, bool return_sequences, bool training, const py::object& workspace) {
        Call c = make_call(cell, x, kernel, recurrent, bias, h0, c0, mask, input_dropout, recurrent_dropout,
                           activation, recurrent_activation, reset_after, go_backwards);
        const py::ssize_t B = c.cfg.batch, S = c.cfg.steps, U = c.cfg.units;
        const bool lstm = c.cfg.cell == RnnCell::lstm;
        py::object seq = none_or(return_sequences, {B, S, U}, true);
        py::object last = none_or(true, {B, U}), h = none_or(true, {B, U}), cc = none_or(lstm, {B, U});
        const py::ssize_t ws_size = py::ssize_t(rnn_workspace_size(c.cfg));
        py::object ws = py::none();
        if (training) {
          // reuse the caller's buffer when it is big enough: a fresh one costs page faults
          if (!workspace.is_none()) {
            View w = view_of(workspace.cast<py::array>(), kFn, "workspace", 1, true);
            if (w.dim(0) >= ws_size && (w.dim(0) <= 1 || w.stride(0) == 1)) ws = workspace;
          }
          if (ws.is_none()) ws = aligned_floats(ws_size);
        }
        RnnOutputs out{ptr(seq), ptr(last), ptr(h), ptr(cc)};
        float* wsp = ptr(ws);
        {
          KernelCall release;  // GIL released, thread budget shared
          rnn_forward(c.cfg, c.in, out, wsp);
        }
        return py::make_tuple(seq, last, h, cc, ws);
      },
      py::arg("cell"), py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("c0"), py::arg("mask"), py::arg("input_dropout"), py::arg("recurrent_dropout"), py::arg("activation"),
      py::arg("recurrent_activation"), py::arg("reset_after"), py::arg("go_backwards"), py::arg("return_sequences"),
      py::arg("training"), py::arg("workspace") = py::none());

  m.def(
      "rnn_backward",
      [](int cell, const py::array& x, const py::array& kernel, const py::array& recurrent, const py::object& bias,
         const py::object& h0, const py::object& c0, const py::object& mask, const py::object& input_dropout,
         const py::object& recurrent_dropout, int activation, int recurrent_activation, bool reset_after,
         bool go_backwards, const py::array& workspace, const py::object& d_sequence, const py::object& d_last,
         const py::object& d_h, const py::object& d_c, bool input_grad,
         bool state_grad) {
        Call c = make_call(cell, x, kernel, recurrent, bias, h0, c0, mask, input_dropout, recurrent_dropout,
                           activation, recurrent_activation, reset_after, go_backwards);
        const int64_t B = c.cfg.batch, S = c.cfg.steps, I = c.cfg.input_size, U = c.cfg.units;
        const int64_t GU = rnn_gates(c.cfg.cell) * U;
        const bool lstm = c.cfg.cell == RnnCell::lstm;
        View wv = view_of(workspace, "rnn_backward", "workspace", 1);
        KERNN_CHECK(wv.dim(0) >= rnn_workspace_size(c.cfg) && (wv.dim(0) <= 1 || wv.stride(0) == 1),
                    "rnn_backward: workspace holds ", wv.dim(0), " floats but ", rnn_workspace_size(c.cfg),
                    " are needed");
        const float* ws = wv.ptr;
        RnnOutputGrads dout;
        dout.sequence = contiguous(d_sequence, "d_sequence", {B, S, U});
        dout.last = contiguous(d_last, "d_last", {B, U});
        dout.h = contiguous(d_h, "d_h", {B, U});
        dout.c = contiguous(d_c, "d_c", {B, U});
        // the two weight gradients as views of one array, so the kernel writes them with no copy
        py::object dkr = none_or(true, {I + U, GU}, true);
        py::object dk = dkr[py::slice(0, I, 1)], dr = dkr[py::slice(I, I + U, 1)];
        py::object dx = none_or(input_grad, {B, S, I}, true);
        py::object db = py::none();
        if (!bias.is_none()) db = py::array_t<float>(bias.cast<py::array>().request().shape);
        py::object dh0 = none_or(state_grad, {B, U}), dc0 = none_or(lstm && state_grad, {B, U});
        RnnGrads g{ptr(dx), ptr(dk), ptr(dr), ptr(db), ptr(dh0), ptr(dc0)};
        {
          KernelCall release;  // GIL released, thread budget shared
          rnn_backward(c.cfg, c.in, ws, dout, g);
        }
        return py::make_tuple(dx, dk, dr, db, dh0, dc0);
      },
      py::arg("cell"), py::arg("x"), py::arg("kernel"), py::arg("recurrent_kernel"), py::arg("bias"), py::arg("h0"),
      py::arg("c0"), py::arg("mask"), py::arg("input_dropout"), py::arg("recurrent_dropout"), py::arg("activation"),
      py::arg("recurrent_activation"), py::arg("reset_after"), py::arg("go_backwards"), py::arg("workspace"),
      py::arg("d_sequence"), py::arg("d_last"), py::arg("d_h"), py::arg("d_c"), py::arg("input_grad") = true,
      py::arg("state_grad") = true);

  m.def(
      "embedding_forward",
      [](const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& indices, const py::array& table) {
        View t = view_of(table, "embedding", "embeddings", 2);
        contiguous(table, "embeddings", {t.dim(0), t.dim(1)});
        py::array_t<float> out(std::vector<py::ssize_t>{py::ssize_t(indices.size()), py::ssize_t(t.dim(1))});
        const int64_t* idx = indices.data();
        float* o = out.mutable_data();
        {
          KernelCall release;  // GIL released, thread budget shared
          embedding_forward(int64_t(indices.size()), idx, t.dim(0), t.dim(1), t.ptr, o);
        }
        return out;
      },
      py::arg("indices"), py::arg("embeddings"));

  m.def(
      "embedding_backward",
      [](const py::array_t<int64_t, py::array::c_style | py::array::forcecast>& indices, const py::array& grad,
         py::array& grad_table) {
        View gt = view_of(grad_table, "embedding_backward", "grad_table", 2, true);
        contiguous(grad_table, "grad_table", {gt.dim(0), gt.dim(1)});
        const float* g = contiguous(grad, "grad", {int64_t(indices.size()), gt.dim(1)});
        const int64_t* idx = indices.data();
        KernelCall release;  // GIL released, thread budget shared
        embedding_backward(int64_t(indices.size()), idx, gt.dim(0), gt.dim(1), g, gt.ptr);
      },
      py::arg("indices"), py::arg("grad"), py::arg("grad_table"));
}

}  // namespace kernn::py_bind
