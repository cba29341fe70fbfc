// Batch and layer normalization over the last axis. Per-channel statistics are summed in
// double over a fixed partition of the rows (kParts ranges, each summed by one thread, then
// added in order), so results do not depend on the thread count.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/ftz.h"
#include "core/parallel.h"
#include "core/workspace.h"
#include "kernn/error.h"
#include "kernn/norm.h"
#include "kernn/threading.h"

namespace kernn {
namespace {

constexpr int64_t kParts = 16;

void check_sizes(const char* fn, int64_t rows, int64_t c) {
  KERNN_CHECK(rows >= 0 && c >= 0, fn, ": sizes must be >= 0. Received: rows=", rows, ", channels=", c);
}

int64_t parts_for(int64_t rows) { return std::clamp<int64_t>(rows / 32, 1, kParts); }

// sums[k][ch] over rows of f(k, r, ch) for k < K, in double; K <= 2. Output into out (K x c).
template <int K, typename F>
void channel_sums(int64_t rows, int64_t c, F&& f, double* out) {
  const int64_t parts = parts_for(rows);
  std::vector<double> partial(size_t(parts * K * c), 0.0);
  parallel_for(parts, parts > 1 && rows * c >= 65536, [&](int64_t p) {
    double* acc = partial.data() + p * K * c;
    for (int64_t r = rows * p / parts; r < rows * (p + 1) / parts; ++r) f(r, acc);
  });
  std::fill(out, out + K * c, 0.0);
  for (int64_t p = 0; p < parts; ++p)
    for (int64_t i = 0; i < K * c; ++i) out[i] += partial[size_t(p * K * c + i)];
}

// y = x * scale[ch] + shift[ch] over all rows
void affine_rows(int64_t rows, int64_t c, const float* x, const float* scale, const float* shift, float* y) {
  parallel_for(rows, rows * c >= 65536, [&](int64_t r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    for (int64_t ch = 0; ch < c; ++ch) yr[ch] = xr[ch] * scale[ch] + shift[ch];
  });
}

}  // namespace

void batch_norm_forward_train(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta,
                              float eps, float* y, float* mean, float* var) {
  check_sizes("batch_norm", rows, c);
  FlushDenormals ftz;  // this thread; the workers set their own
  if (c == 0) return;
  std::vector<double> s(static_cast<size_t>(c)), q(static_cast<size_t>(c));
  channel_sums<1>(rows, c, [&](int64_t r, double* acc) {
    const float* xr = x + r * c;
    for (int64_t ch = 0; ch < c; ++ch) acc[ch] += xr[ch];
  }, s.data());
  const double inv_n = rows > 0 ? 1.0 / double(rows) : 0.0;
  for (int64_t ch = 0; ch < c; ++ch) s[size_t(ch)] *= inv_n;
  channel_sums<1>(rows, c, [&](int64_t r, double* acc) {
    const float* xr = x + r * c;
    for (int64_t ch = 0; ch < c; ++ch) {
      const double d = double(xr[ch]) - s[size_t(ch)];
      acc[ch] += d * d;
    }
  }, q.data());
  std::vector<float> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) {
    mean[ch] = float(s[size_t(ch)]);
    var[ch] = float(q[size_t(ch)] * inv_n);
    const double rstd = 1.0 / std::sqrt(q[size_t(ch)] * inv_n + double(eps));
    const double gm = gamma ? double(gamma[ch]) : 1.0;
    scale[size_t(ch)] = float(gm * rstd);
    shift[size_t(ch)] = float((beta ? double(beta[ch]) : 0.0) - s[size_t(ch)] * gm * rstd);
  }
  affine_rows(rows, c, x, scale.data(), shift.data(), y);
}

void batch_norm_forward_inference(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta,
                                  const float* mm, const float* mv, float eps, float* y) {
  check_sizes("batch_norm_inference", rows, c);
  FlushDenormals ftz;  // this thread; the workers set their own
  std::vector<float> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) {
    const double rstd = 1.0 / std::sqrt(double(mv[ch]) + double(eps));
    const double gm = gamma ? double(gamma[ch]) : 1.0;
    scale[size_t(ch)] = float(gm * rstd);
    shift[size_t(ch)] = float((beta ? double(beta[ch]) : 0.0) - double(mm[ch]) * gm * rstd);
  }
  affine_rows(rows, c, x, scale.data(), shift.data(), y);
}

void batch_norm_backward(int64_t rows, int64_t c, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* var, float eps, float* dx, float* dgamma, float* dbeta) {
  check_sizes("batch_norm_backward", rows, c);
  FlushDenormals ftz;  // this thread; the workers set their own
  if (c == 0) return;
  std::vector<float> rstd(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) rstd[size_t(ch)] = float(1.0 / std::sqrt(double(var[ch]) + double(eps)));
  // sums of dy and dy * xhat per channel
  std::vector<double> sums(static_cast<size_t>(2 * c));
  channel_sums<2>(rows, c, [&](int64_t r, double* acc) {
    const float* xr = x + r * c;
    const float* dr = dy + r * c;
    for (int64_t ch = 0; ch < c; ++ch) {
      acc[ch] += dr[ch];
      acc[c + ch] += double(dr[ch]) * double((xr[ch] - mean[ch]) * rstd[size_t(ch)]);
    }
  }, sums.data());
  std::vector<float> a(static_cast<size_t>(c)), b(static_cast<size_t>(c)), k(static_cast<size_t>(c));
  const double inv_n = rows > 0 ? 1.0 / double(rows) : 0.0;
  for (int64_t ch = 0; ch < c; ++ch) {
    const double sdy = sums[size_t(ch)], sdyx = sums[size_t(c + ch)];
    if (dbeta) dbeta[ch] = float(sdy);
    if (dgamma) dgamma[ch] = float(sdyx);
    const double gm = gamma ? double(gamma[ch]) : 1.0;
    // dx = gm*rstd*(dy - mean(dy) - xhat*mean(dy*xhat)), xhat = (x - mean)*rstd
    const double gr = gm * rstd[size_t(ch)];
    k[size_t(ch)] = float(gr);
    a[size_t(ch)] = float(gr * sdyx * inv_n * rstd[size_t(ch)]);                               // times (x - mean)
    b[size_t(ch)] = float(-gr * sdy * inv_n + gr * sdyx * inv_n * rstd[size_t(ch)] * mean[ch]);  // constant
  }
  parallel_for(rows, rows * c >= 65536, [&](int64_t r) {
    const float* xr = x + r * c;
    const float* dr = dy + r * c;
    float* o = dx + r * c;
    for (int64_t ch = 0; ch < c; ++ch) o[ch] = k[size_t(ch)] * dr[ch] - a[size_t(ch)] * xr[ch] + b[size_t(ch)];
  });
}

void layer_norm_forward(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta, float eps,
                        float* y, float* mean, float* rstd) {
  check_sizes("layer_norm", rows, c);
  FlushDenormals ftz;  // this thread; the workers set their own
  parallel_for(rows, rows * c >= 65536, [&](int64_t r) {
    const float* xr = x + r * c;
    float* yr = y + r * c;
    double s = 0.0;
    for (int64_t ch = 0; ch < c; ++ch) s += xr[ch];
    const double m = c > 0 ? s / double(c) : 0.0;
    double q = 0.0;
    for (int64_t ch = 0; ch < c; ++ch) q += (xr[ch] - m) * (xr[ch] - m);
    const float rs = float(1.0 / std::sqrt((c > 0 ? q / double(c) : 0.0) + double(eps)));
    const float mf = float(m);
    mean[r] = mf;
    rstd[r] = rs;
    for (int64_t ch = 0; ch < c; ++ch) {
      const float xh = (xr[ch] - mf) * rs;
      yr[ch] = xh * (gamma ? gamma[ch] : 1.0f) + (beta ? beta[ch] : 0.0f);
    }
  });
}

void layer_norm_backward(int64_t rows, int64_t c, const float* x, const float* dy, const float* gamma,
                         const float* mean, const float* rstd, float* dx, float* dgamma, float* dbeta) {
  check_sizes("layer_norm_backward", rows, c);
  FlushDenormals ftz;  // this thread; the workers set their own
  if (c == 0) return;
  parallel_for(rows, rows * c >= 65536, [&](int64_t r) {
    const float* xr = x + r * c;
    const float* dr = dy + r * c;
    float* o = dx + r * c;
    double s1 = 0.0, s2 = 0.0;
    for (int64_t ch = 0; ch < c; ++ch) {
      const double g = double(dr[ch]) * (gamma ? gamma[ch] : 1.0f);
      s1 += g;
      s2 += g * double((xr[ch] - mean[r]) * rstd[r]);
    }
    const float m1 = float(s1 / double(c)), m2 = float(s2 / double(c));
    for (int64_t ch = 0; ch < c; ++ch) {
      const float g = dr[ch] * (gamma ? gamma[ch] : 1.0f);
      const float xh = (xr[ch] - mean[r]) * rstd[r];
      o[ch] = rstd[r] * (g - m1 - xh * m2);
    }
  });
  if (dgamma || dbeta) {
    std::vector<double> sums(static_cast<size_t>(2 * c));
    channel_sums<2>(rows, c, [&](int64_t r, double* acc) {
      const float* xr = x + r * c;
      const float* dr = dy + r * c;
      for (int64_t ch = 0; ch < c; ++ch) {
        acc[ch] += dr[ch];
        acc[c + ch] += double(dr[ch]) * double((xr[ch] - mean[r]) * rstd[r]);
      }
    }, sums.data());
    for (int64_t ch = 0; ch < c; ++ch) {
      if (dbeta) dbeta[ch] = float(sums[size_t(ch)]);
      if (dgamma) dgamma[ch] = float(sums[size_t(c + ch)]);
    }
  }
}

}  // namespace kernn
