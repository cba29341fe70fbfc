// kernn from plain C++: a Dense layer forward pass, y = relu(x W + b), and an LSTM forward
// over a whole sequence (Keras's weight layout and gate order i, f, c, o), each checked
// against a plain loop written here.
#include <kernn/kernn.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace {

// Deterministic values in [-scale, scale) (a small linear congruential generator).
std::vector<float> values(size_t n, float scale, uint32_t seed) {
  std::vector<float> v(n);
  for (float& f : v) {
    seed = seed * 1664525u + 1013904223u;
    f = scale * (float(seed >> 8) / float(1u << 23) - 1.0f);
  }
  return v;
}

float sigmoid(float z) { return 1.0f / (1.0f + std::exp(-z)); }

// Keras's LSTM, one step at a time: z = x_t W + h U + b (gates i, f, c, o, `units` each),
// c = sigmoid(f) c + sigmoid(i) tanh(c~), h = sigmoid(o) tanh(c). Returns every step's h.
std::vector<float> lstm_reference(int batch, int steps, int in, int units, const std::vector<float>& x,
                                  const std::vector<float>& w, const std::vector<float>& u,
                                  const std::vector<float>& b, std::vector<float>& h, std::vector<float>& c) {
  const int g = 4 * units;
  std::vector<float> seq(size_t(batch) * steps * units), z(g);
  h.assign(size_t(batch) * units, 0.0f);
  c.assign(size_t(batch) * units, 0.0f);
  for (int n = 0; n < batch; ++n) {
    float* hn = &h[size_t(n) * units];
    float* cn = &c[size_t(n) * units];
    for (int t = 0; t < steps; ++t) {
      const float* xt = &x[(size_t(n) * steps + t) * in];
      for (int j = 0; j < g; ++j) {
        float s = b[j];
        for (int p = 0; p < in; ++p) s += xt[p] * w[size_t(p) * g + j];
        for (int p = 0; p < units; ++p) s += hn[p] * u[size_t(p) * g + j];
        z[j] = s;
      }
      for (int j = 0; j < units; ++j) {
        const float i_gate = sigmoid(z[j]), f_gate = sigmoid(z[units + j]);
        const float cand = std::tanh(z[2 * units + j]), o_gate = sigmoid(z[3 * units + j]);
        cn[j] = f_gate * cn[j] + i_gate * cand;
        hn[j] = o_gate * std::tanh(cn[j]);
      }
      for (int j = 0; j < units; ++j) seq[(size_t(n) * steps + t) * units + j] = hn[j];
    }
  }
  return seq;
}

// LSTM forward through kernn::rnn_forward, compared with lstm_reference. Returns the number
// of values that differ by more than a float32 rounding allowance.
int lstm_demo() {
  const int batch = 3, steps = 7, in = 5, units = 8, g = 4 * units;
  const std::vector<float> x = values(size_t(batch) * steps * in, 1.0f, 1);  // (batch, steps, in)
  const std::vector<float> w = values(size_t(in) * g, 0.5f, 2);              // kernel (in, 4 units)
  const std::vector<float> u = values(size_t(units) * g, 0.5f, 3);           // recurrent (units, 4 units)
  std::vector<float> b = values(size_t(g), 0.1f, 4);                         // bias (4 units)
  for (int j = units; j < 2 * units; ++j) b[j] += 1.0f;                      // unit_forget_bias

  kernn::RnnConfig cfg;
  cfg.cell = kernn::RnnCell::lstm;
  cfg.batch = batch;
  cfg.steps = steps;
  cfg.input_size = in;
  cfg.units = units;  // activation tanh, recurrent_activation sigmoid: Keras's defaults
  kernn::RnnInputs inputs;
  inputs.x = x.data();
  inputs.kernel = w.data();
  inputs.recurrent_kernel = u.data();
  inputs.bias = b.data();  // h0, c0 null: zero initial states
  std::vector<float> seq(size_t(batch) * steps * units), h(size_t(batch) * units), c(h.size());
  kernn::RnnOutputs outputs;
  outputs.sequence = seq.data();
  outputs.h = h.data();
  outputs.c = c.data();
  kernn::rnn_forward(cfg, inputs, outputs);  // no workspace: inference

  std::vector<float> h_ref, c_ref;
  const std::vector<float> seq_ref = lstm_reference(batch, steps, in, units, x, w, u, b, h_ref, c_ref);
  int bad = 0;
  double worst = 0;
  auto compare = [&](const std::vector<float>& got, const std::vector<float>& want) {
    for (size_t i = 0; i < got.size(); ++i) {
      const double d = std::fabs(double(got[i]) - double(want[i]));
      worst = d > worst ? d : worst;
      bad += d > 1e-5 + 1e-5 * std::fabs(double(want[i]));
    }
  };
  compare(seq, seq_ref);
  compare(h, h_ref);
  compare(c, c_ref);
  std::printf("LSTM(%d) over (%d, %d, %d): h[0] =", units, batch, steps, in);
  for (int j = 0; j < 4; ++j) std::printf(" %.4f", h[j]);
  std::printf(" ...; largest difference from the step-by-step loop %.2g\n", worst);

  try {  // a missing kernel is refused with a message, not a crash
    kernn::RnnInputs missing = inputs;
    missing.kernel = nullptr;
    kernn::rnn_forward(cfg, missing, outputs);
    bad += 1;
  } catch (const kernn::Error& e) {
    std::printf("missing kernel is refused: %s\n", e.what());
  }
  return bad;
}

}  // namespace

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
  bad += lstm_demo();
  std::printf(bad ? "FAILED\n" : "ok\n");
  return bad ? 1 : 0;
}
