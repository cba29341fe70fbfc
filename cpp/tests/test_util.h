#pragma once
// A minimal test harness: TEST(name) registers a function; CHECK* record failures.
// Each test binary runs every test on every ISA the CPU supports.
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "kernn/isa.h"

namespace kt {

struct Test {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Test>& registry() {
  static std::vector<Test> r;
  return r;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Register {
  Register(const char* n, std::function<void()> f) { registry().push_back({n, std::move(f)}); }
};

inline int run_all() {
  using kernn::Isa;
  int total = 0, failed_tests = 0;
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    if (static_cast<int>(isa) > static_cast<int>(kernn::best_isa())) continue;
    kernn::set_max_isa(isa);
    for (auto& t : registry()) {
      const int before = failures();
      try {
        t.fn();
      } catch (const std::exception& e) {
        std::printf("  exception: %s\n", e.what());
        ++failures();
      }
      ++total;
      const bool ok = failures() == before;
      if (!ok) ++failed_tests;
      std::printf("[%s] %-40s %s\n", kernn::isa_name(isa), t.name, ok ? "ok" : "FAILED");
    }
  }
  std::printf("%d passed, %d failed\n", total - failed_tests, failed_tests);
  return failed_tests == 0 ? 0 : 1;
}

}  // namespace kt

#define TEST(name)                                        \
  static void name();                                     \
  static kt::Register reg_##name(#name, name);            \
  static void name()

#define CHECK(cond)                                                              \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);     \
      ++kt::failures();                                                          \
    }                                                                            \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                            \
  do {                                                                                   \
    double _a = (a), _b = (b);                                                           \
    if (!(std::fabs(_a - _b) <= (tol))) {                                                \
      std::printf("  %s:%d: %s=%g vs %s=%g (tol %g)\n", __FILE__, __LINE__, #a, _a, #b, _b, \
                  double(tol));                                                          \
      ++kt::failures();                                                                  \
    }                                                                                    \
  } while (0)

#define CHECK_THROWS(stmt, substr)                                                          \
  do {                                                                                      \
    bool _thrown = false;                                                                   \
    try {                                                                                   \
      stmt;                                                                                 \
    } catch (const kernn::Error& e) {                                                       \
      _thrown = std::string(e.what()).find(substr) != std::string::npos;                    \
      if (!_thrown) std::printf("  %s:%d: message '%s' lacks '%s'\n", __FILE__, __LINE__, e.what(), substr); \
    }                                                                                       \
    if (!_thrown) {                                                                         \
      std::printf("  %s:%d: %s did not throw kernn::Error\n", __FILE__, __LINE__, #stmt);   \
      ++kt::failures();                                                                     \
    }                                                                                       \
  } while (0)

#define TEST_MAIN() \
  int main() { return kt::run_all(); }
