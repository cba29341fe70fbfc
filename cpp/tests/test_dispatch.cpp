// Dispatch: parsing KERNN_ISA values, capping, thread count validation.
#include "kernn/kernn.h"
#include "test_util.h"

TEST(parse_isa_accepts_known_names) {
  CHECK(kernn::parse_isa("scalar") == kernn::Isa::scalar);
  CHECK(kernn::parse_isa("avx2") == kernn::Isa::avx2);
  CHECK(kernn::parse_isa("avx512") == kernn::Isa::avx512);
}

TEST(parse_isa_rejects_unknown_with_allowed_list) {
  CHECK_THROWS(kernn::parse_isa("avx9"), "allowed values: scalar, avx2, avx512");
  CHECK_THROWS(kernn::parse_isa(""), "KERNN_ISA=''");
}

TEST(set_max_isa_caps_to_cpu) {
  const kernn::Isa before = kernn::active_isa();
  CHECK(kernn::set_max_isa(kernn::Isa::avx512) == kernn::best_isa());
  CHECK(kernn::set_max_isa(kernn::Isa::scalar) == kernn::Isa::scalar);
  kernn::set_max_isa(before);
  CHECK(kernn::active_isa() == before);
}

TEST(threads_validate) {
  const int n = kernn::get_num_threads();
  CHECK(n >= 1);
  CHECK_THROWS(kernn::set_num_threads(0), "Received: n=0");
  kernn::set_num_threads(n);
}

TEST(peak_probe_positive) {
  CHECK(kernn::measure_peak_gflops(kernn::active_isa(), 1, 0.01) > 0.1);
}

TEST_MAIN()
