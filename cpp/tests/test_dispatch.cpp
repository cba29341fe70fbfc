// Dispatch: parsing KERNN_ISA values, capping, thread count validation.
#include <atomic>
#include <thread>

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

TEST(concurrent_callers_share_the_thread_budget) {
  const int saved = kernn::get_num_threads();
  kernn::set_num_threads(4);
  std::atomic<int> arrived{0};
  int seen[2] = {0, 0};
  auto caller = [&](int i) {
    kernn::ThreadShare share;
    arrived.fetch_add(1);
    while (arrived.load() < 2) std::this_thread::yield();  // both shares alive now
    seen[i] = kernn::get_num_threads();
    arrived.fetch_add(1);
    while (arrived.load() < 4) std::this_thread::yield();  // keep the share until both have looked
  };
  std::thread a(caller, 0), b(caller, 1);
  a.join();
  b.join();
  CHECK(seen[0] + seen[1] <= 4);
  CHECK(seen[0] >= 1 && seen[1] >= 1);
  {
    kernn::ThreadShare alone;
    CHECK(kernn::get_num_threads() == 4);
  }
  CHECK(kernn::get_num_threads() == 4);
  kernn::set_num_threads(saved);
}

TEST(peak_probe_positive) {
  CHECK(kernn::measure_peak_gflops(kernn::active_isa(), 1, 0.01) > 0.1);
}

TEST_MAIN()
