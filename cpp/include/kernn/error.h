#pragma once
/// kernn's error type and the check macro its kernels use to validate arguments.
#include <sstream>
#include <stdexcept>
#include <string>

namespace kernn {

/// The one exception type the kernels throw for bad arguments. Its message names the
/// function, the argument and the values (`sgemm: lda=3 must be >= k=4`). The Python
/// binding turns it into ValueError.
class Error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
/// Throws kernn::Error whose message is the arguments streamed one after another.
template <typename... Args>
[[noreturn]] void throw_error(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  throw Error(os.str());
}
}  // namespace detail

}  // namespace kernn

/// KERNN_CHECK(cond, "conv2d: input has ", c, " channels but kernel expects ", k): throws
/// kernn::Error with the streamed message when cond is false.
#define KERNN_CHECK(cond, ...)                     \
  do {                                             \
    if (!(cond)) ::kernn::detail::throw_error(__VA_ARGS__); \
  } while (0)
