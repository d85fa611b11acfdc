#include "core/models/kernels/small_linear.h"

#include <immintrin.h>

#include <algorithm>

namespace photoidx::models::kernels {
namespace {

// Output features per block: their weight rows (4 x in floats; 12 KB at
// in = 768) stay in L1 while every group of x rows passes over them.
constexpr int kFeatures = 4;
// x rows per group. 16 accumulators plus the loads are more than AVX2's 16
// registers, so GCC reloads a few; groups of 2 rows measured the same.
constexpr int kRows = 4;

float DotTail(const float* x, const float* w, int64_t from, int64_t to) {
  float s = 0.f;
  for (int64_t i = from; i < to; ++i) s += x[i] * w[i];
  return s;
}

// R rows of x against kFeatures weight rows; R and kFeatures are constants so
// that the accumulators live in registers. AVX2 only: an AVX-512 copy ran
// at the same speed on a Zen 4 (the kernel waits for memory, not FMAs).
template <int R>
__attribute__((target("avx2,fma"))) void BlockAvx2(const float* x, int64_t ldx, int64_t in,
                                                    const float* w, int64_t ldw,
                                                    float out[kRows][kFeatures]) {
  __m256 acc[R][kFeatures];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int f = 0; f < kFeatures; ++f) acc[r][f] = _mm256_setzero_ps();
  const int64_t vec_end = in - in % 8;
  for (int64_t i = 0; i < vec_end; i += 8) {
    __m256 wv[kFeatures];
#pragma GCC unroll 4
    for (int f = 0; f < kFeatures; ++f) wv[f] = _mm256_loadu_ps(w + f * ldw + i);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m256 xv = _mm256_loadu_ps(x + r * ldx + i);
#pragma GCC unroll 4
      for (int f = 0; f < kFeatures; ++f) acc[r][f] = _mm256_fmadd_ps(xv, wv[f], acc[r][f]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int f = 0; f < kFeatures; ++f) {
      const __m128 s = _mm_add_ps(_mm256_castps256_ps128(acc[r][f]),
                                  _mm256_extractf128_ps(acc[r][f], 1));
      const __m128 s2 = _mm_add_ps(s, _mm_movehl_ps(s, s));
      const __m128 s1 = _mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1));
      out[r][f] = _mm_cvtss_f32(s1) + DotTail(x + r * ldx, w + f * ldw, vec_end, in);
    }
  }
}

void BlockScalar(const float* x, int64_t ldx, int rows, int64_t in, const float* w, int64_t ldw,
                 int feats, float out[kRows][kFeatures]) {
  for (int r = 0; r < rows; ++r) {
    for (int f = 0; f < feats; ++f) out[r][f] = DotTail(x + r * ldx, w + f * ldw, 0, in);
  }
}

// A full block (kFeatures features) of `rows` <= kRows rows.
using BlockFn = void (*)(const float*, int64_t, int64_t, const float*, int64_t,
                         float[kRows][kFeatures]);
struct Blocks {
  BlockFn by_rows[kRows + 1] = {};
};

Blocks PickBlocks() {
  __builtin_cpu_init();
  Blocks b;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    b.by_rows[1] = BlockAvx2<1>, b.by_rows[2] = BlockAvx2<2>;
    b.by_rows[3] = BlockAvx2<3>, b.by_rows[4] = BlockAvx2<4>;
  }
  return b;
}

}  // namespace

void SmallLinear(const float* x, int64_t ldx, int64_t rows, int64_t in, const float* w,
                 const float* b, float* y, int64_t ldy, int64_t out_begin, int64_t out_end) {
  static const Blocks blocks = PickBlocks();
  float out[kRows][kFeatures];
  for (int64_t o = out_begin; o < out_end; o += kFeatures) {
    const int feats = static_cast<int>(std::min<int64_t>(kFeatures, out_end - o));
    for (int64_t r = 0; r < rows; r += kRows) {
      const int n = static_cast<int>(std::min<int64_t>(kRows, rows - r));
      if (feats == kFeatures && blocks.by_rows[n] != nullptr) {
        blocks.by_rows[n](x + r * ldx, ldx, in, w + o * in, in, out);
      } else {
        BlockScalar(x + r * ldx, ldx, n, in, w + o * in, in, feats, out);
      }
      for (int i = 0; i < n; ++i) {
        for (int f = 0; f < feats; ++f) {
          y[(r + i) * ldy + o + f] = out[i][f] + (b != nullptr ? b[o + f] : 0.f);
        }
      }
    }
  }
}

}  // namespace photoidx::models::kernels
