// Convolution, pooling, normalization and resize kernels: thin wrappers that check the
// arrays against the geometry and call the C++ API with the GIL released.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <sstream>
#include <vector>

#include "array.h"
#include "kernn/conv.h"
#include "kernn/norm.h"
#include "kernn/pool.h"

namespace py = pybind11;

namespace kernn::py_bind {
namespace {

using Shape = std::vector<int64_t>;

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << (s.size() == 1 ? ",)" : ")");
  return os.str();
}

// A C-contiguous float32 array of exactly `shape`.
float* dense(const py::object& obj, const char* fn, const char* name, const Shape& shape, bool writable = false) {
  View v = view_of(obj.cast<py::array>(), fn, name, int(shape.size()), writable);
  KERNN_CHECK(v.shape == shape, fn, ": ", name, " has shape ", shape_str(v.shape), " but ", shape_str(shape),
              " is expected");
  int64_t expect = 1;
  for (int64_t d : shape)
    if (d == 0) return v.ptr;  // an empty array has nothing to lay out
  for (int i = int(shape.size()) - 1; i >= 0; --i) {
    KERNN_CHECK(shape[size_t(i)] <= 1 || v.strides[size_t(i)] == expect, fn, ": ", name,
                " must be C-contiguous");
    expect *= shape[size_t(i)];
  }
  return v.ptr;
}

float* dense_or_null(const py::object& obj, const char* fn, const char* name, const Shape& shape,
                     bool writable = false) {
  return obj.is_none() ? nullptr : dense(obj, fn, name, shape, writable);
}

using GeomTuple = std::array<int64_t, 16>;

GeomTuple to_tuple(const ConvGeometry& g) {
  return {g.batch,    g.in_h,     g.in_w,       g.in_c,       g.out_h,   g.out_w,    g.out_c, g.kernel_h,
          g.kernel_w, g.stride_h, g.stride_w,   g.dilation_h, g.dilation_w, g.pad_top, g.pad_left, g.groups};
}

ConvGeometry from_tuple(const GeomTuple& t) {
  ConvGeometry g;
  g.batch = t[0], g.in_h = t[1], g.in_w = t[2], g.in_c = t[3], g.out_h = t[4], g.out_w = t[5], g.out_c = t[6];
  g.kernel_h = t[7], g.kernel_w = t[8], g.stride_h = t[9], g.stride_w = t[10], g.dilation_h = t[11];
  g.dilation_w = t[12], g.pad_top = t[13], g.pad_left = t[14], g.groups = t[15];
  return g;
}

Padding padding_of(int code) {
  KERNN_CHECK(code >= 0 && code <= 2, "conv: unknown padding code ", code);
  return static_cast<Padding>(code);
}

GemmActivation act_of(int code) {
  KERNN_CHECK(code >= 0 && code <= 3, "conv: unknown activation code ", code);
  return static_cast<GemmActivation>(code);
}

Shape x_shape(const ConvGeometry& g) { return {g.batch, g.in_h, g.in_w, g.in_c}; }
Shape y_shape(const ConvGeometry& g) { return {g.batch, g.out_h, g.out_w, g.out_c}; }
Shape w_shape(const ConvGeometry& g) { return {g.kernel_h, g.kernel_w, g.in_c / g.groups, g.out_c}; }

using PoolTuple = std::array<int64_t, 12>;

PoolGeometry pool_from(const PoolTuple& t) {
  PoolGeometry g;
  g.batch = t[0], g.in_h = t[1], g.in_w = t[2], g.c = t[3], g.out_h = t[4], g.out_w = t[5];
  g.pool_h = t[6], g.pool_w = t[7], g.stride_h = t[8], g.stride_w = t[9], g.pad_top = t[10], g.pad_left = t[11];
  return g;
}

}  // namespace

void bind_conv(py::module_& m) {
  m.def("conv_geometry",
        [](int64_t batch, int64_t in_h, int64_t in_w, int64_t in_c, int64_t kh, int64_t kw, int64_t filters,
           int64_t sh, int64_t sw, int64_t dh, int64_t dw, int padding, int64_t groups) {
          return to_tuple(conv2d_geometry(batch, in_h, in_w, in_c, kh, kw, filters, sh, sw, dh, dw,
                                          padding_of(padding), groups));
        });
  m.def("conv_transpose_geometry",
        [](int64_t batch, int64_t in_h, int64_t in_w, int64_t in_c, int64_t kh, int64_t kw, int64_t filters,
           int64_t sh, int64_t sw, int64_t dh, int64_t dw, int padding, int64_t oph, int64_t opw) {
          return to_tuple(conv2d_transpose_geometry(batch, in_h, in_w, in_c, kh, kw, filters, sh, sw, dh, dw,
                                                    padding_of(padding), oph, opw));
        });
  m.def("conv2d_forward", [](const GeomTuple& t, const py::object& x, const py::object& w, const py::object& bias,
                             int act, const py::object& y) {
    const ConvGeometry g = from_tuple(t);
    check_conv_geometry(g, "conv2d");
    const char* fn = "conv2d";
    const float* px = dense(x, fn, "x", x_shape(g));
    const float* pw = dense(w, fn, "kernel", w_shape(g));
    const float* pb = dense_or_null(bias, fn, "bias", {g.out_c});
    float* py_ = dense(y, fn, "out", y_shape(g), true);
    KernelCall release;  // GIL released, thread budget shared
    conv2d_forward(g, px, pw, pb, act_of(act), py_);
  });
  m.def("conv2d_backward_data", [](const GeomTuple& t, const py::object& dy, const py::object& w,
                                   const py::object& dx) {
    const ConvGeometry g = from_tuple(t);
    check_conv_geometry(g, "conv2d_backward_data");
    const char* fn = "conv2d_backward_data";
    const float* pdy = dense(dy, fn, "dy", y_shape(g));
    const float* pw = dense(w, fn, "kernel", w_shape(g));
    float* pdx = dense(dx, fn, "dx", x_shape(g), true);
    KernelCall release;  // GIL released, thread budget shared
    conv2d_backward_data(g, pdy, pw, pdx);
  });
  m.def("conv2d_backward_filter", [](const GeomTuple& t, const py::object& x, const py::object& dy,
                                     const py::object& dw, const py::object& dbias) {
    const ConvGeometry g = from_tuple(t);
    check_conv_geometry(g, "conv2d_backward_filter");
    const char* fn = "conv2d_backward_filter";
    const float* px = dense(x, fn, "x", x_shape(g));
    const float* pdy = dense(dy, fn, "dy", y_shape(g));
    float* pdw = dense(dw, fn, "dkernel", w_shape(g), true);
    float* pdb = dense_or_null(dbias, fn, "dbias", {g.out_c}, true);
    KernelCall release;  // GIL released, thread budget shared
    conv2d_backward_filter(g, px, pdy, pdw, pdb);
  });
  m.def("conv2d_transpose_forward", [](const GeomTuple& t, const py::object& x, const py::object& w,
                                       const py::object& bias, int act, const py::object& y) {
    const ConvGeometry g = from_tuple(t);
    check_conv_geometry(g, "conv2d_transpose");
    const char* fn = "conv2d_transpose";
    const float* px = dense(x, fn, "x", y_shape(g));
    const float* pw = dense(w, fn, "kernel", w_shape(g));
    const float* pb = dense_or_null(bias, fn, "bias", {g.in_c});
    float* py_ = dense(y, fn, "out", x_shape(g), true);
    KernelCall release;  // GIL released, thread budget shared
    conv2d_transpose_forward(g, px, pw, pb, act_of(act), py_);
  });
  m.def("column_sums", [](const py::object& x, const py::object& out) {
    View v = view_of(x.cast<py::array>(), "column_sums", "x", 2);
    const float* px = dense(x, "column_sums", "x", {v.dim(0), v.dim(1)});
    float* po = dense(out, "column_sums", "out", {v.dim(1)}, true);
    KernelCall release;  // GIL released, thread budget shared
    column_sums(v.dim(0), v.dim(1), px, po);
  });
  m.def("upsample_nearest", [](const py::object& x, const py::object& y) {
    View vx = view_of(x.cast<py::array>(), "upsample_nearest", "x", 4);
    View vy = view_of(y.cast<py::array>(), "upsample_nearest", "out", 4, true);
    KERNN_CHECK(vx.dim(1) > 0 && vx.dim(2) > 0 && vy.dim(1) % vx.dim(1) == 0 && vy.dim(2) % vx.dim(2) == 0,
                "upsample_nearest: out size ", vy.dim(1), "x", vy.dim(2), " is not a multiple of the input size ",
                vx.dim(1), "x", vx.dim(2));
    const float* px = dense(x, "upsample_nearest", "x", vx.shape);
    float* py_ = dense(y, "upsample_nearest", "out", {vx.dim(0), vy.dim(1), vy.dim(2), vx.dim(3)}, true);
    KernelCall release;  // GIL released, thread budget shared
    upsample_nearest_forward(vx.dim(0), vx.dim(1), vx.dim(2), vx.dim(3), vy.dim(1) / vx.dim(1),
                             vy.dim(2) / vx.dim(2), px, py_);
  });
  m.def("upsample_nearest_backward", [](const py::object& dy, const py::object& dx) {
    View vy = view_of(dy.cast<py::array>(), "upsample_nearest_backward", "dy", 4);
    View vx = view_of(dx.cast<py::array>(), "upsample_nearest_backward", "dx", 4, true);
    KERNN_CHECK(vx.dim(1) > 0 && vx.dim(2) > 0 && vy.dim(1) % vx.dim(1) == 0 && vy.dim(2) % vx.dim(2) == 0,
                "upsample_nearest_backward: dy size ", vy.dim(1), "x", vy.dim(2),
                " is not a multiple of the dx size ", vx.dim(1), "x", vx.dim(2));
    const float* pdy = dense(dy, "upsample_nearest_backward", "dy", vy.shape);
    float* pdx = dense(dx, "upsample_nearest_backward", "dx", {vy.dim(0), vx.dim(1), vx.dim(2), vy.dim(3)}, true);
    KernelCall release;  // GIL released, thread budget shared
    upsample_nearest_backward(vy.dim(0), vx.dim(1), vx.dim(2), vy.dim(3), vy.dim(1) / vx.dim(1),
                              vy.dim(2) / vx.dim(2), pdy, pdx);
  });
  m.def("resize_bilinear", [](const py::object& x, const py::object& y) {
    View vx = view_of(x.cast<py::array>(), "resize_bilinear", "x", 4);
    View vy = view_of(y.cast<py::array>(), "resize_bilinear", "out", 4, true);
    const float* px = dense(x, "resize_bilinear", "x", vx.shape);
    float* py_ = dense(y, "resize_bilinear", "out", {vx.dim(0), vy.dim(1), vy.dim(2), vx.dim(3)}, true);
    KernelCall release;  // GIL released, thread budget shared
    resize_bilinear_forward(vx.dim(0), vx.dim(1), vx.dim(2), vx.dim(3), vy.dim(1), vy.dim(2), px, py_);
  });
  m.def("resize_bilinear_backward", [](const py::object& dy, const py::object& dx) {
    View vy = view_of(dy.cast<py::array>(), "resize_bilinear_backward", "dy", 4);
    View vx = view_of(dx.cast<py::array>(), "resize_bilinear_backward", "dx", 4, true);
    const float* pdy = dense(dy, "resize_bilinear_backward", "dy", vy.shape);
    float* pdx = dense(dx, "resize_bilinear_backward", "dx", {vy.dim(0), vx.dim(1), vx.dim(2), vy.dim(3)}, true);
    KernelCall release;  // GIL released, thread budget shared
    resize_bilinear_backward(vy.dim(0), vx.dim(1), vx.dim(2), vy.dim(3), vy.dim(1), vy.dim(2), pdy, pdx);
  });

  // ---- pooling ----
  m.def("pool_geometry", [](int64_t batch, int64_t in_h, int64_t in_w, int64_t c, int64_t ph, int64_t pw,
                            int64_t sh, int64_t sw, int padding) {
    const PoolGeometry g = pool2d_geometry(batch, in_h, in_w, c, ph, pw, sh, sw, padding_of(padding));
    return PoolTuple{g.batch, g.in_h, g.in_w, g.c, g.out_h, g.out_w, g.pool_h, g.pool_w, g.stride_h, g.stride_w,
                     g.pad_top, g.pad_left};
  });
  m.def("pool2d_forward", [](const PoolTuple& t, int mode, const py::object& x, const py::object& y) {
    const PoolGeometry g = pool_from(t);
    KERNN_CHECK(mode == 0 || mode == 1, "pool2d: unknown mode ", mode);
    const float* px = dense(x, "pool2d", "x", {g.batch, g.in_h, g.in_w, g.c});
    float* py_ = dense(y, "pool2d", "out", {g.batch, g.out_h, g.out_w, g.c}, true);
    KernelCall release;  // GIL released, thread budget shared
    pool2d_forward(g, static_cast<PoolMode>(mode), px, py_);
  });
  m.def("pool2d_backward", [](const PoolTuple& t, int mode, const py::object& x, const py::object& dy,
                              const py::object& dx) {
    const PoolGeometry g = pool_from(t);
    KERNN_CHECK(mode == 0 || mode == 1, "pool2d_backward: unknown mode ", mode);
    const float* px = dense_or_null(x, "pool2d_backward", "x", {g.batch, g.in_h, g.in_w, g.c});
    const float* pdy = dense(dy, "pool2d_backward", "dy", {g.batch, g.out_h, g.out_w, g.c});
    float* pdx = dense(dx, "pool2d_backward", "dx", {g.batch, g.in_h, g.in_w, g.c}, true);
    KernelCall release;  // GIL released, thread budget shared
    pool2d_backward(g, static_cast<PoolMode>(mode), px, pdy, pdx);
  });

  // ---- normalization over the last axis of (rows, c) ----
  m.def("batch_norm_forward_train", [](const py::object& x, const py::object& gamma, const py::object& beta,
                                       float eps, const py::object& y, const py::object& mean,
                                       const py::object& var) {
    const char* fn = "batch_norm";
    View v = view_of(x.cast<py::array>(), fn, "x", 2);
    const int64_t r = v.dim(0), c = v.dim(1);
    const float* px = dense(x, fn, "x", {r, c});
    const float* pg = dense_or_null(gamma, fn, "gamma", {c});
    const float* pb = dense_or_null(beta, fn, "beta", {c});
    float* py_ = dense(y, fn, "out", {r, c}, true);
    float* pm = dense(mean, fn, "mean", {c}, true);
    float* pv = dense(var, fn, "var", {c}, true);
    KernelCall release;  // GIL released, thread budget shared
    batch_norm_forward_train(r, c, px, pg, pb, eps, py_, pm, pv);
  });
  m.def("batch_norm_forward_inference", [](const py::object& x, const py::object& gamma, const py::object& beta,
                                           const py::object& mm, const py::object& mv, float eps,
                                           const py::object& y) {
    const char* fn = "batch_norm";
    View v = view_of(x.cast<py::array>(), fn, "x", 2);
    const int64_t r = v.dim(0), c = v.dim(1);
    const float* px = dense(x, fn, "x", {r, c});
    const float* pg = dense_or_null(gamma, fn, "gamma", {c});
    const float* pb = dense_or_null(beta, fn, "beta", {c});
    const float* pm = dense(mm, fn, "moving_mean", {c});
    const float* pv = dense(mv, fn, "moving_variance", {c});
    float* py_ = dense(y, fn, "out", {r, c}, true);
    KernelCall release;  // GIL released, thread budget shared
    batch_norm_forward_inference(r, c, px, pg, pb, pm, pv, eps, py_);
  });
  m.def("batch_norm_backward", [](const py::object& x, const py::object& dy, const py::object& gamma,
                                  const py::object& mean, const py::object& var, float eps, const py::object& dx,
                                  const py::object& dgamma, const py::object& dbeta) {
    const char* fn = "batch_norm_backward";
    View v = view_of(x.cast<py::array>(), fn, "x", 2);
    const int64_t r = v.dim(0), c = v.dim(1);
    const float* px = dense(x, fn, "x", {r, c});
    const float* pdy = dense(dy, fn, "dy", {r, c});
    const float* pg = dense_or_null(gamma, fn, "gamma", {c});
    const float* pm = dense(mean, fn, "mean", {c});
    const float* pv = dense(var, fn, "var", {c});
    float* pdx = dense(dx, fn, "dx", {r, c}, true);
    float* pdg = dense_or_null(dgamma, fn, "dgamma", {c}, true);
    float* pdb = dense_or_null(dbeta, fn, "dbeta", {c}, true);
    KernelCall release;  // GIL released, thread budget shared
    batch_norm_backward(r, c, px, pdy, pg, pm, pv, eps, pdx, pdg, pdb);
  });
  m.def("layer_norm_forward", [](const py::object& x, const py::object& gamma, const py::object& beta, float eps,
                                 const py::object& y, const py::object& mean, const py::object& rstd) {
    const char* fn = "layer_norm";
    View v = view_of(x.cast<py::array>(), fn, "x", 2);
    const int64_t r = v.dim(0), c = v.dim(1);
    const float* px = dense(x, fn, "x", {r, c});
    const float* pg = dense_or_null(gamma, fn, "gamma", {c});
    const float* pb = dense_or_null(beta, fn, "beta", {c});
    float* py_ = dense(y, fn, "out", {r, c}, true);
    float* pm = dense(mean, fn, "mean", {r}, true);
    float* ps = dense(rstd, fn, "rstd", {r}, true);
    KernelCall release;  // GIL released, thread budget shared
    layer_norm_forward(r, c, px, pg, pb, eps, py_, pm, ps);
  });
  m.def("layer_norm_backward", [](const py::object& x, const py::object& dy, const py::object& gamma,
                                  const py::object& mean, const py::object& rstd, const py::object& dx,
                                  const py::object& dgamma, const py::object& dbeta) {
    const char* fn = "layer_norm_backward";
    View v = view_of(x.cast<py::array>(), fn, "x", 2);
    const int64_t r = v.dim(0), c = v.dim(1);
    const float* px = dense(x, fn, "x", {r, c});
    const float* pdy = dense(dy, fn, "dy", {r, c});
    const float* pg = dense_or_null(gamma, fn, "gamma", {c});
    const float* pm = dense(mean, fn, "mean", {r});
    const float* ps = dense(rstd, fn, "rstd", {r});
    float* pdx = dense(dx, fn, "dx", {r, c}, true);
    float* pdg = dense_or_null(dgamma, fn, "dgamma", {c}, true);
    float* pdb = dense_or_null(dbeta, fn, "dbeta", {c}, true);
    KernelCall release;  // GIL released, thread budget shared
    layer_norm_backward(r, c, px, pdy, pg, pm, ps, pdx, pdg, pdb);
  });
}

}  // namespace kernn::py_bind
