// Internals of the Pillow-exact resize shared by resize.cc, the x86 SIMD
// kernels (resize_x86.cc), tests and the bench.
//
// Every kernel computes the same integers: 2^21 + sum(pixel * weight) in
// 32-bit arithmetic, >> 22, clipped to 0..255. Integer addition is
// associative, so any summation order gives Pillow's bytes. The SIMD kernels
// use pmaddwd (16 x 16 -> 32 bit) and therefore split each 22-bit weight as
// w = hi * 2^15 + lo with lo in [0, 2^15): sum(p*w) = (sum(p*hi) << 15) +
// sum(p*lo), evaluated modulo 2^32, which is exact because the true total
// fits in int32 (Pillow's own accumulators are int32 too).
#ifndef PHOTOIDX_CORE_MODELS_PREPROCESS_RESIZE_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_PREPROCESS_RESIZE_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/image/image.h"
#include "core/models/preprocess/resize.h"

namespace photoidx::models::preprocess::internal {

inline constexpr int kPrecisionBits = 22;  // 32 - 8 - 2, as Pillow
inline constexpr int32_t kHalf = 1 << (kPrecisionBits - 1);
// Zero bytes after each deinterleaved plane: SIMD loads run up to 31 bytes
// past the last tap.
inline constexpr int kPlanePad = 32;

inline uint8_t Clip8(int32_t v) {
  v >>= kPrecisionBits;  // arithmetic shift (C++20)
  return uint8_t(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// BicubicAxis plus the hi/lo int16 split used by the SIMD kernels.
struct AxisPlan {
  BicubicAxis axis;
  int kpad = 0;                 // ksize rounded up to a multiple of 16
  std::vector<int16_t> hi, lo;  // out_size * kpad, zero past count
};

enum class Kernel { kAuto, kScalar, kSse2, kAvx2 };

// True when `k` can run on this CPU (kAuto and kScalar always can).
bool KernelAvailable(Kernel k);

// ResizeBicubicWindow with a chosen kernel; the result is identical for every kernel.
Result<image::Image> ResizeBicubicWith(const image::Image& in, int out_width, int out_height,
                                       const Window& window, Kernel kernel);

// x86 kernels (resize_x86.cc). REQUIRES KernelAvailable() for the kernel.
// One output row of the horizontal pass from deinterleaved R, G, B planes
// (each followed by kPlanePad zero bytes).
void HorizontalRowSse2(const uint8_t* const planes[3], const AxisPlan& plan, uint8_t* dst);
void HorizontalRowAvx2(const uint8_t* const planes[3], const AxisPlan& plan, uint8_t* dst);
// Splits `width` RGB pixels into planes.
void DeinterleaveSsse3(const uint8_t* rgb, int width, uint8_t* const planes[3]);
// One output row of the vertical pass: nbytes bytes from rows[0..count).
void VerticalRowAvx2(const uint8_t* const* rows, const int16_t* hi, const int16_t* lo,
                     const int32_t* coeffs, int count, size_t nbytes, uint8_t* dst);

}  // namespace photoidx::models::preprocess::internal

#endif  // PHOTOIDX_CORE_MODELS_PREPROCESS_RESIZE_INTERNAL_H_
