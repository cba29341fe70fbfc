// Element-wise activations, softmax, fused losses, optimizer updates and bias_grad.
// kernn/ops/{activations,losses,optim}.py give the user-facing checks; these guard _core.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "array.h"
#include "kernn/activation.h"
#include "kernn/loss.h"
#include "kernn/optim.h"

namespace py = pybind11;

namespace kernn::py_bind {
namespace {

/// A C-contiguous float32 view of `arr` with `ndim` dimensions.
View contiguous(const py::array& arr, const char* fn, const char* name, int ndim, bool writable = false) {
  View v = view_of(arr, fn, name, ndim, writable);
  for (int i = 0; i < ndim; ++i)
    if (v.dim(i) == 0) return v;  // an empty array has nothing to lay out
  int64_t expect = 1;
  for (int i = ndim - 1; i >= 0; --i) {
    KERNN_CHECK(v.dim(i) <= 1 || v.stride(i) == expect, fn, ": ", name, " must be C-contiguous");
    expect *= v.dim(i);
  }
  return v;
}

int64_t numel(const View& v) {
  int64_t n = 1;
  for (int64_t d : v.shape) n *= d;
  return n;
}

std::string shape_str(const std::vector<int64_t>& s) {
  std::string r = "(";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + (s.size() == 1 ? ",)" : ")");
}

ActivationParams make_params(float negative_slope, float max_value, float threshold, float alpha, float b) {
  ActivationParams p;
  p.b = b;
  p.negative_slope = negative_slope;
  p.max_value = max_value;
  p.threshold = threshold;
  p.alpha = alpha;
  return p;
}

OptimizerKind parse_kind(const std::string& k) {
  if (k == "sgd") return OptimizerKind::sgd;
  if (k == "adam") return OptimizerKind::adam;
  if (k == "rmsprop") return OptimizerKind::rmsprop;
  if (k == "adagrad") return OptimizerKind::adagrad;
  if (k == "adamax") return OptimizerKind::adamax;
  if (k == "nadam") return OptimizerKind::nadam;
  detail::throw_error("optimizer_update: unknown optimizer '", k,
                      "'; known: sgd, adam, rmsprop, adagrad, adamax, nadam");
}

}  // namespace

void bind_act(py::module_& m) {
  m.def(
      "activation",
      [](const py::array& x, py::array& y, const std::string& name, float negative_slope, float max_value,
         float threshold, float alpha, float b) {
        View vx = contiguous(x, "activation", "x", 1), vy = contiguous(y, "activation", "out", 1, true);
        KERNN_CHECK(vx.dim(0) == vy.dim(0), "activation: x has ", vx.dim(0), " values but out has ", vy.dim(0));
        const Activation act = activation_from_name(name);
        const ActivationParams p = make_params(negative_slope, max_value, threshold, alpha, b);
        KernelCall release;  // GIL released, thread budget shared
        activation_forward(act, p, vx.dim(0), vx.ptr, vy.ptr);
      },
      py::arg("x"), py::arg("out"), py::arg("name"), py::arg("negative_slope"), py::arg("max_value"),
      py::arg("threshold"), py::arg("alpha"), py::arg("b"));
  m.def(
      "activation_grad",
      [](const py::array& x, const py::array& g, py::array& dx, const std::string& name, float negative_slope,
         float max_value, float threshold, float alpha, float b) {
        View vx = contiguous(x, "activation_grad", "x", 1), vg = contiguous(g, "activation_grad", "grad", 1);
        View vd = contiguous(dx, "activation_grad", "out", 1, true);
        KERNN_CHECK(vx.dim(0) == vg.dim(0) && vx.dim(0) == vd.dim(0), "activation_grad: x has ", vx.dim(0),
                    " values, grad ", vg.dim(0), ", out ", vd.dim(0));
        const Activation act = activation_from_name(name);
        const ActivationParams p = make_params(negative_slope, max_value, threshold, alpha, b);
        KernelCall release;  // GIL released, thread budget shared
        activation_backward(act, p, vx.dim(0), vx.ptr, vg.ptr, vd.ptr);
      },
      py::arg("x"), py::arg("grad"), py::arg("out"), py::arg("name"), py::arg("negative_slope"),
      py::arg("max_value"), py::arg("threshold"), py::arg("alpha"), py::arg("b"));
  m.def(
      "activation_grad_from_output",
      [](const py::array& y, const py::array& g, py::array& dx, const std::string& name, float negative_slope,
         float max_value, float threshold, float alpha, float b) {
        const char* fn = "activation_grad";
        View vy = contiguous(y, fn, "y", 1), vg = contiguous(g, fn, "grad", 1);
        View vd = contiguous(dx, fn, "out", 1, true);
        KERNN_CHECK(vy.dim(0) == vg.dim(0) && vy.dim(0) == vd.dim(0), fn, ": y has ", vy.dim(0), " values, grad ",
                    vg.dim(0), ", out ", vd.dim(0));
        const Activation act = activation_from_name(name);
        const ActivationParams p = make_params(negative_slope, max_value, threshold, alpha, b);
        KernelCall release;  // GIL released, thread budget shared
        activation_backward_from_output(act, p, vy.dim(0), vy.ptr, vg.ptr, vd.ptr);
      },
      py::arg("y"), py::arg("grad"), py::arg("out"), py::arg("name"), py::arg("negative_slope"),
      py::arg("max_value"), py::arg("threshold"), py::arg("alpha"), py::arg("b"));
  m.def(
      "softmax",
      [](const py::array& x, py::array& y, bool log) {
        View vx = contiguous(x, "softmax", "x", 2), vy = contiguous(y, "softmax", "out", 2, true);
        KERNN_CHECK(vx.shape == vy.shape, "softmax: x and out shapes differ");
        KernelCall release;  // GIL released, thread budget shared
        (log ? log_softmax_forward : softmax_forward)(vx.dim(0), vx.dim(1), vx.ptr, vy.ptr);
      },
      py::arg("x"), py::arg("out"), py::arg("log"));
  m.def(
      "softmax_grad",
      [](const py::array& y, const py::array& g, py::array& dx, bool log) {
        View vy = contiguous(y, "softmax_grad", "y", 2), vg = contiguous(g, "softmax_grad", "grad", 2);
        View vd = contiguous(dx, "softmax_grad", "out", 2, true);
        KERNN_CHECK(vy.shape == vg.shape && vy.shape == vd.shape, "softmax_grad: y, grad and out shapes differ");
        KernelCall release;  // GIL released, thread budget shared
        (log ? log_softmax_backward : softmax_backward)(vy.dim(0), vy.dim(1), vy.ptr, vg.ptr, vd.ptr);
      },
      py::arg("y"), py::arg("grad"), py::arg("out"), py::arg("log"));
  m.def(
      "crossentropy",
      [](const std::string& kind, const py::array& y_true, const py::array& y_pred, bool from_logits,
         py::array& loss, const py::object& grad) {
        const char* fn = "crossentropy";
        View vp = contiguous(y_pred, fn, "y_pred", 2), vl = contiguous(loss, fn, "loss", 1, true);
        const int64_t rows = vp.dim(0), cols = vp.dim(1);
        KERNN_CHECK(vl.dim(0) == rows, fn, ": loss has ", vl.dim(0), " values for ", rows, " rows");
        float* gptr = nullptr;
        if (!grad.is_none()) {
          View vg = contiguous(grad.cast<py::array>(), fn, "grad", 2, true);
          KERNN_CHECK(vg.shape == vp.shape, fn, ": grad and y_pred shapes differ");
          gptr = vg.ptr;
        }
        if (kind == "sparse") {
          auto labels = py::array_t<int64_t, py::array::c_style>::ensure(y_true);
          KERNN_CHECK(labels && labels.ndim() == 1 && labels.shape(0) == rows,
                      "sparse_categorical_crossentropy: labels must be an int64 vector of ", rows, " values");
          const int64_t* lp = labels.data();
          KernelCall release;  // GIL released, thread budget shared
          sparse_categorical_crossentropy(rows, cols, lp, vp.ptr, from_logits, vl.ptr, gptr);
          return;
        }
        View vt = contiguous(y_true, fn, "y_true", 2);
        KERNN_CHECK(vt.shape == vp.shape, fn, ": y_true and y_pred shapes differ");
        KERNN_CHECK(kind == "categorical" || kind == "binary", fn, ": unknown kind '", kind, "'");
        KernelCall release;  // GIL released, thread budget shared
        (kind == "binary" ? binary_crossentropy : categorical_crossentropy)(rows, cols, vt.ptr, vp.ptr,
                                                                             from_logits, vl.ptr, gptr);
      },
      py::arg("kind"), py::arg("y_true"), py::arg("y_pred"), py::arg("from_logits"), py::arg("loss"),
      py::arg("grad"));
  m.def(
      "bias_grad",
      [](const py::array& g, py::array& out) {
        View vg = contiguous(g, "bias_grad", "g", 2), vo = contiguous(out, "bias_grad", "out", 1, true);
        KERNN_CHECK(vo.dim(0) == vg.dim(1), "bias_grad: out has ", vo.dim(0), " values for ", vg.dim(1), " columns");
        KernelCall release;  // GIL released, thread budget shared
        bias_grad(vg.dim(0), vg.dim(1), vg.ptr, vo.ptr);
      },
      py::arg("g"), py::arg("out"));
  m.def(
      "optimizer_update",
      [](const std::string& kind, const py::list& params, const py::list& grads, const py::object& slot0,
         const py::object& slot1, const py::object& slot2, double learning_rate, double momentum, double beta_1,
         double beta_2, double epsilon, double rho, bool nesterov, bool amsgrad, bool centered, int64_t step,
         double u_t, double u_t1, double u_product_t, double u_product_t1) {
        OptimizerStep s;
        s.kind = parse_kind(kind);
        const std::string fn = kind + "_update";
        s.learning_rate = learning_rate;
        s.momentum = momentum;
        s.beta_1 = beta_1;
        s.beta_2 = beta_2;
        s.epsilon = epsilon;
        s.rho = rho;
        s.nesterov = nesterov;
        s.amsgrad = amsgrad;
        s.centered = centered;
        s.step = step;
        s.u_t = u_t;
        s.u_t1 = u_t1;
        s.u_product_t = u_product_t;
        s.u_product_t1 = u_product_t1;
        const size_t n = params.size();
        KERNN_CHECK(grads.size() == n, fn, ": got ", n, " parameters but ", grads.size(), " gradients");
        std::vector<py::list> slots;
        for (const py::object* so : {&slot0, &slot1, &slot2}) {
          if (so->is_none()) {
            slots.emplace_back();
            continue;
          }
          py::list l = so->cast<py::list>();
          KERNN_CHECK(l.size() == n, fn, ": got ", n, " parameters but ", l.size(), " values in slot ",
                      slots.size());
          slots.push_back(l);
        }
        std::vector<OptimizerTensor> ts(n);
        // keep the arrays alive (and their conversions) while the kernel runs
        for (size_t i = 0; i < n; ++i) {
          KERNN_CHECK(py::isinstance<py::array>(params[i]) && py::isinstance<py::array>(grads[i]), fn,
                      ": params[", i, "] and grads[", i, "] must be numpy arrays");
          py::array p = params[i].cast<py::array>(), g = grads[i].cast<py::array>();
          View vp = contiguous(p, fn.c_str(), "params", p.ndim(), true);
          View vg = contiguous(g, fn.c_str(), "grads", g.ndim());
          KERNN_CHECK(vp.shape == vg.shape, fn, ": params[", i, "] has shape ", shape_str(vp.shape),
                      " but grads[", i, "] has shape ", shape_str(vg.shape));
          ts[i].param = vp.ptr;
          ts[i].grad = vg.ptr;
          ts[i].size = numel(vp);
          for (int k = 0; k < 3; ++k) {
            if (slots[size_t(k)].size() == 0) continue;
            KERNN_CHECK(py::isinstance<py::array>(slots[size_t(k)][i]), fn, ": optimizer slot ", k, " of params[",
                        i, "] must be a numpy array");
            py::array a = slots[size_t(k)][i].cast<py::array>();
            View va = contiguous(a, fn.c_str(), "slot", a.ndim(), true);
            KERNN_CHECK(va.shape == vp.shape, fn, ": params[", i, "] has shape ", shape_str(vp.shape),
                        " but its optimizer slot ", k, " has shape ", shape_str(va.shape));
            ts[size_t(i)].slots[k] = va.ptr;
          }
        }
        KernelCall release;  // GIL released, thread budget shared
        optimizer_update(s, ts.data(), static_cast<int64_t>(n));
      },
      py::arg("kind"), py::arg("params"), py::arg("grads"), py::arg("slot0"), py::arg("slot1"), py::arg("slot2"),
      py::arg("learning_rate"), py::arg("momentum"), py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"),
      py::arg("rho"), py::arg("nesterov"), py::arg("amsgrad"), py::arg("centered"), py::arg("step"),
      py::arg("u_t"), py::arg("u_t1"), py::arg("u_product_t"), py::arg("u_product_t1"));
}

}  // namespace kernn::py_bind
