// A Dense layer forward pass, y = relu(x W + b), computed by kernn from plain C++.
#include <kernn/kernn.h>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  const int batch = 4, in = 3, units = 2;
  std::vector<float> x = {1, 2, 3, 0, 1, 0, -1, -1, -1, 2, 0, 1};  // (4, 3)
  std::vector<float> w = {0.5f, -1, 1, 0.25f, -0.5f, 2};            // (3, 2)
  std::vector<float> b = {0.1f, -0.2f};
  std::vector<float> y(batch * units);
  kernn::GemmEpilogue ep;
  ep.bias = b.data();
  ep.activation = kernn::GemmActivation::relu;
  kernn::sgemm(kernn::Trans::no, kernn::Trans::no, batch, units, in, 1.0f, x.data(), in, w.data(), units, 0.0f,
               y.data(), units, ep);
  std::printf("kernn %s, isa %s, %d threads\n", KERNN_VERSION_STRING, kernn::isa_name(kernn::active_isa()),
              kernn::get_num_threads());
  int bad = 0;
  for (int i = 0; i < batch; ++i) {
    for (int j = 0; j < units; ++j) {
      float s = b[j];
      for (int p = 0; p < in; ++p) s += x[i * in + p] * w[p * units + j];
      s = s > 0 ? s : 0;
      bad += std::fabs(s - y[i * units + j]) > 1e-5f;
      std::printf("%8.3f", y[i * units + j]);
    }
    std::printf("\n");
  }
  try {
    kernn::sgemm(kernn::Trans::no, kernn::Trans::no, 2, 2, 4, 1.0f, x.data(), 3, w.data(), 2, 0.0f, y.data(), 2);
    bad += 1;
  } catch (const kernn::Error& e) {
    std::printf("bad lda is refused: %s\n", e.what());
  }
  std::printf(bad ? "FAILED\n" : "ok\n");
  return bad ? 1 : 0;
}
