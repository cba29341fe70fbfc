// Packing of GEMM operands into the panel layouts the micro-kernels stream.
#include <algorithm>
#include <cstring>

#include "gemm/gemm_internal.h"

namespace kernn::gemm {
namespace {

template <int MR>
void pack_a_tpl(int64_t m, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, float* dst) {
  for (int64_t r = 0; r < m; r += MR) {
    const int64_t mr = std::min<int64_t>(MR, m - r);
    float* d = dst + r * k;
    const float* src = a + r * a_rs;
    if (mr == MR && a_cs == 1) {
      const float* rows[MR];
      for (int i = 0; i < MR; ++i) rows[i] = src + i * a_rs;
      for (int64_t p = 0; p < k; ++p)
        for (int i = 0; i < MR; ++i) d[p * MR + i] = rows[i][p];
    } else if (mr == MR && a_rs == 1) {
      for (int64_t p = 0; p < k; ++p)
        for (int i = 0; i < MR; ++i) d[p * MR + i] = src[p * a_cs + i];
    } else {  // the ragged last panel: mr rows, then zeros
      for (int64_t p = 0; p < k; ++p) {
        float* dp = d + p * MR;
        for (int64_t i = 0; i < mr; ++i) dp[i] = src[i * a_rs + p * a_cs];
        for (int64_t i = mr; i < MR; ++i) dp[i] = 0.0f;
      }
    }
  }
}

template <int NR>
void pack_b_tpl(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, float* dst) {
  for (int64_t q = 0; q < n; q += NR) {
    const int64_t nr = std::min<int64_t>(NR, n - q);
    float* d = dst + q * k;
    const float* src = b + q * b_cs;
    if (nr == NR && b_cs == 1) {
      for (int64_t p = 0; p < k; ++p) std::memcpy(d + p * NR, src + p * b_rs, NR * sizeof(float));
    } else if (nr == NR && b_rs == 1) {
      // B transposed: a 16-row stripe at a time (one cache line of each column in, 16 panel
      // rows out), so neither side leaves L1 (column by column, a 192 x 64 panel is 48 KiB)
      constexpr int64_t P = 16;
      for (int64_t p0 = 0; p0 < k; p0 += P) {
        const int64_t pn = std::min(P, k - p0);
        for (int j = 0; j < NR; ++j) {
          const float* col = src + j * b_cs + p0;
          float* dj = d + p0 * NR + j;
          for (int64_t p = 0; p < pn; ++p) dj[p * NR] = col[p];
        }
      }
    } else {  // the ragged last panel (a Dense(10) head's whole B): nr columns, then zeros
      for (int64_t p = 0; p < k; ++p) {
        float* dp = d + p * NR;
        const float* sp = src + p * b_rs;
        if (b_cs == 1) {
          for (int64_t j = 0; j < nr; ++j) dp[j] = sp[j];
        } else {
          for (int64_t j = 0; j < nr; ++j) dp[j] = sp[j * b_cs];
        }
        for (int64_t j = nr; j < NR; ++j) dp[j] = 0.0f;
      }
    }
  }
}

}  // namespace

void pack_a(int64_t m, int64_t k, const float* a, int64_t a_rs, int64_t a_cs, int mr, float* dst) {
  switch (mr) {
    case 4: return pack_a_tpl<4>(m, k, a, a_rs, a_cs, dst);
    case 6: return pack_a_tpl<6>(m, k, a, a_rs, a_cs, dst);
    case 8: return pack_a_tpl<8>(m, k, a, a_rs, a_cs, dst);
    case 12: return pack_a_tpl<12>(m, k, a, a_rs, a_cs, dst);
    case 14: return pack_a_tpl<14>(m, k, a, a_rs, a_cs, dst);
    case 16: return pack_a_tpl<16>(m, k, a, a_rs, a_cs, dst);
    default: break;
  }
  for (int64_t r = 0; r < m; r += mr)
    for (int64_t p = 0; p < k; ++p)
      for (int i = 0; i < mr; ++i)
        dst[r * k + p * mr + i] = r + i < m ? a[(r + i) * a_rs + p * a_cs] : 0.0f;
}

void pack_b(int64_t k, int64_t n, const float* b, int64_t b_rs, int64_t b_cs, int nr, float* dst) {
  switch (nr) {
    case 4: return pack_b_tpl<4>(k, n, b, b_rs, b_cs, dst);
    case 8: return pack_b_tpl<8>(k, n, b, b_rs, b_cs, dst);
    case 16: return pack_b_tpl<16>(k, n, b, b_rs, b_cs, dst);
    case 24: return pack_b_tpl<24>(k, n, b, b_rs, b_cs, dst);
    case 32: return pack_b_tpl<32>(k, n, b, b_rs, b_cs, dst);
    case 48: return pack_b_tpl<48>(k, n, b, b_rs, b_cs, dst);
    case 64: return pack_b_tpl<64>(k, n, b, b_rs, b_cs, dst);
    default: break;
  }
  for (int64_t q = 0; q < n; q += nr)
    for (int64_t p = 0; p < k; ++p)
      for (int j = 0; j < nr; ++j)
        dst[q * k + p * nr + j] = q + j < n ? b[p * b_rs + (q + j) * b_cs] : 0.0f;
}

}  // namespace kernn::gemm
