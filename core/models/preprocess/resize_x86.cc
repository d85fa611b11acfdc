// x86 SIMD kernels of the Pillow-exact bicubic resize (see resize_internal.h
// for why they give exactly Pillow's bytes). The AVX2 / SSSE3 functions are
// compiled with target attributes and only called after a CPUID check, so the
// library still runs on baseline x86-64.
#include "core/models/preprocess/resize_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define PHOTOIDX_X86 1
#endif

namespace photoidx::models::preprocess::internal {

#if defined(PHOTOIDX_X86)
namespace {

inline uint32_t HorizontalSum(__m128i v) {
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm_add_epi32(v, _mm_shuffle_epi32(v, _MM_SHUFFLE(2, 3, 0, 1)));
  return uint32_t(_mm_cvtsi128_si32(v));
}

inline uint8_t Finish(__m128i hi_sums, __m128i lo_sums) {
  uint32_t s = HorizontalSum(_mm_add_epi32(_mm_slli_epi32(hi_sums, 15), lo_sums));
  return Clip8(int32_t(s + uint32_t(kHalf)));  // modulo 2^32, then the exact int32
}

}  // namespace

bool KernelAvailable(Kernel k) {
  switch (k) {
    case Kernel::kSse2:
      return __builtin_cpu_supports("sse2");
    case Kernel::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("ssse3");
    default:
      return true;
  }
}

__attribute__((target("sse2"))) void HorizontalRowSse2(const uint8_t* const planes[3],
                                                       const AxisPlan& plan, uint8_t* dst) {
  const BicubicAxis& ax = plan.axis;
  const __m128i zero = _mm_setzero_si128();
  for (int x = 0; x < ax.out_size; ++x) {
    const int16_t* kh = &plan.hi[size_t(x) * plan.kpad];
    const int16_t* kl = &plan.lo[size_t(x) * plan.kpad];
    const int n8 = (ax.count[x] + 7) / 8;
    const int x0 = ax.first[x];
    __m128i ah[3] = {zero, zero, zero}, al[3] = {zero, zero, zero};
    for (int j = 0; j < n8; ++j) {
      const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kh + 8 * j));
      const __m128i l = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kl + 8 * j));
      for (int c = 0; c < 3; ++c) {
        const __m128i p8 =
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(planes[c] + x0 + 8 * j));
        const __m128i p = _mm_unpacklo_epi8(p8, zero);
        ah[c] = _mm_add_epi32(ah[c], _mm_madd_epi16(p, h));
        al[c] = _mm_add_epi32(al[c], _mm_madd_epi16(p, l));
      }
    }
    for (int c = 0; c < 3; ++c) dst[3 * x + c] = Finish(ah[c], al[c]);
  }
}

__attribute__((target("avx2"))) void HorizontalRowAvx2(const uint8_t* const planes[3],
                                                       const AxisPlan& plan, uint8_t* dst) {
  const BicubicAxis& ax = plan.axis;
  for (int x = 0; x < ax.out_size; ++x) {
    const int16_t* kh = &plan.hi[size_t(x) * plan.kpad];
    const int16_t* kl = &plan.lo[size_t(x) * plan.kpad];
    const int n16 = (ax.count[x] + 15) / 16;
    const int x0 = ax.first[x];
    __m256i ah[3], al[3];
    for (int c = 0; c < 3; ++c) ah[c] = al[c] = _mm256_setzero_si256();
    for (int j = 0; j < n16; ++j) {
      const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kh + 16 * j));
      const __m256i l = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kl + 16 * j));
      for (int c = 0; c < 3; ++c) {
        const __m256i p = _mm256_cvtepu8_epi16(
            _mm_loadu_si128(reinterpret_cast<const __m128i*>(planes[c] + x0 + 16 * j)));
        ah[c] = _mm256_add_epi32(ah[c], _mm256_madd_epi16(p, h));
        al[c] = _mm256_add_epi32(al[c], _mm256_madd_epi16(p, l));
      }
    }
    for (int c = 0; c < 3; ++c) {
      const __m128i h4 = _mm_add_epi32(_mm256_castsi256_si128(ah[c]),
                                       _mm256_extracti128_si256(ah[c], 1));
      const __m128i l4 = _mm_add_epi32(_mm256_castsi256_si128(al[c]),
                                       _mm256_extracti128_si256(al[c], 1));
      dst[3 * x + c] = Finish(h4, l4);
    }
  }
}

__attribute__((target("ssse3"))) void DeinterleaveSsse3(const uint8_t* rgb, int width,
                                                        uint8_t* const planes[3]) {
  // pshufb masks gathering channel c of 16 pixels from 3 x 16 bytes.
  alignas(16) static const int8_t kMask[3][3][16] = {
      {{0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13}},
      {{1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14}},
      {{2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15}}};
  int x = 0;
  for (; x + 16 <= width; x += 16) {
    const __m128i* s = reinterpret_cast<const __m128i*>(rgb + 3 * x);
    const __m128i v[3] = {_mm_loadu_si128(s), _mm_loadu_si128(s + 1), _mm_loadu_si128(s + 2)};
    for (int c = 0; c < 3; ++c) {
      __m128i out = _mm_setzero_si128();
      for (int k = 0; k < 3; ++k) {
        const __m128i m = _mm_load_si128(reinterpret_cast<const __m128i*>(kMask[c][k]));
        out = _mm_or_si128(out, _mm_shuffle_epi8(v[k], m));
      }
      _mm_storeu_si128(reinterpret_cast<__m128i*>(planes[c] + x), out);
    }
  }
  for (; x < width; ++x) {
    for (int c = 0; c < 3; ++c) planes[c][x] = rgb[3 * x + c];
  }
}

__attribute__((target("avx2"))) void VerticalRowAvx2(const uint8_t* const* rows,
                                                     const int16_t* hi, const int16_t* lo,
                                                     const int32_t* coeffs, int count,
                                                     size_t nbytes, uint8_t* dst) {
  const __m256i half = _mm256_set1_epi32(kHalf);
  size_t b = 0;
  // 16 bytes at a time; two source rows per pmaddwd (pairs [p_t, p_t+1] x [w_t, w_t+1]).
  for (; b + 16 <= nbytes; b += 16) {
    __m256i h0 = _mm256_setzero_si256(), h1 = h0, l0 = h0, l1 = h0;
    for (int t = 0; t < count; t += 2) {
      const bool pair = t + 1 < count;
      const __m256i a = _mm256_cvtepu8_epi16(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[t] + b)));
      const __m256i c = pair ? _mm256_cvtepu8_epi16(_mm_loadu_si128(
                                   reinterpret_cast<const __m128i*>(rows[t + 1] + b)))
                             : _mm256_setzero_si256();
      const __m256i lo16 = _mm256_unpacklo_epi16(a, c);  // bytes 0-3 | 8-11
      const __m256i hi16 = _mm256_unpackhi_epi16(a, c);  // bytes 4-7 | 12-15
      const uint16_t h_next = pair ? uint16_t(hi[t + 1]) : 0;
      const uint16_t l_next = pair ? uint16_t(lo[t + 1]) : 0;
      const __m256i wh = _mm256_set1_epi32(int32_t(uint32_t(h_next) << 16 | uint16_t(hi[t])));
      const __m256i wl = _mm256_set1_epi32(int32_t(uint32_t(l_next) << 16 | uint16_t(lo[t])));
      h0 = _mm256_add_epi32(h0, _mm256_madd_epi16(lo16, wh));
      h1 = _mm256_add_epi32(h1, _mm256_madd_epi16(hi16, wh));
      l0 = _mm256_add_epi32(l0, _mm256_madd_epi16(lo16, wl));
      l1 = _mm256_add_epi32(l1, _mm256_madd_epi16(hi16, wl));
    }
    __m256i s0 = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(h0, 15), l0), half);
    __m256i s1 = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(h1, 15), l1), half);
    s0 = _mm256_srai_epi32(s0, kPrecisionBits);
    s1 = _mm256_srai_epi32(s1, kPrecisionBits);
    // Saturating packs clamp to 0..255 exactly as Clip8; lanes come back in
    // byte order 0-7 | 8-15 within each 128-bit half.
    const __m256i w16 = _mm256_packs_epi32(s0, s1);
    const __m256i u8 = _mm256_packus_epi16(w16, w16);
    const __m256i ordered = _mm256_permute4x64_epi64(u8, 0x08);  // qwords 0, 2
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + b), _mm256_castsi256_si128(ordered));
  }
  for (; b < nbytes; ++b) {
    int32_t s = kHalf;
    for (int t = 0; t < count; ++t) s += rows[t][b] * coeffs[t];
    dst[b] = Clip8(s);
  }
}

#else  // not x86: only the scalar kernels exist.

bool KernelAvailable(Kernel k) { return k == Kernel::kAuto || k == Kernel::kScalar; }
void HorizontalRowSse2(const uint8_t* const[3], const AxisPlan&, uint8_t*) {}
void HorizontalRowAvx2(const uint8_t* const[3], const AxisPlan&, uint8_t*) {}
void DeinterleaveSsse3(const uint8_t*, int, uint8_t* const[3]) {}
void VerticalRowAvx2(const uint8_t* const*, const int16_t*, const int16_t*, const int32_t*, int,
                     size_t, uint8_t*) {}

#endif

}  // namespace photoidx::models::preprocess::internal
