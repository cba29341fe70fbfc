// Dispatch, CPU features and threads.
#include <pybind11/pybind11.h>

#include "kernn/isa.h"
#include "kernn/peak.h"
#include "kernn/threading.h"
#include "kernn/version.h"

namespace py = pybind11;

namespace kernn::py_bind {

void bind_core(py::module_& m) {
  m.attr("__version__") = KERNN_VERSION_STRING;
  m.def("cpu_features", [] {
    const CpuFeatures& f = cpu_features();
    py::dict d;
    d["vendor"] = f.vendor;
    d["brand"] = f.brand;
    d["avx2"] = f.avx2;
    d["fma"] = f.fma;
    d["avx512f"] = f.avx512f;
    d["avx512bw"] = f.avx512bw;
    d["avx512dq"] = f.avx512dq;
    d["avx512vl"] = f.avx512vl;
    return d;
  });
  m.def("best_isa", [] { return std::string(isa_name(best_isa())); });
  m.def("active_isa", [] { return std::string(isa_name(active_isa())); });
  m.def("set_max_isa", [](const std::string& name) {
    return std::string(isa_name(set_max_isa(parse_isa(name, "isa"))));
  });
  m.def("dispatch_warning", &dispatch_warning);
  m.def("get_num_threads", &get_num_threads);
  m.def("set_num_threads", &set_num_threads, py::arg("n"));
  m.def("default_num_threads", &default_num_threads);
  m.def("cgroup_cpu_quota", [](const std::string& root) { return cgroup_cpu_quota(root.c_str()); },
        py::arg("root") = "/");
  m.def("in_forked_child", &in_forked_child);
  m.def("measure_peak_gflops", [](const std::string& isa, int threads, double seconds) {
    Isa i = parse_isa(isa, "isa");
    py::gil_scoped_release release;
    return measure_peak_gflops(i, threads, seconds);
  }, py::arg("isa"), py::arg("threads"), py::arg("seconds") = 0.2);
}

}  // namespace kernn::py_bind
