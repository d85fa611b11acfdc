// Pillow-exact bicubic resizing of RGB8 images.
//
// ResizeBicubic() reproduces Pillow 9.4's Image.resize((w, h), Image.BICUBIC)
// on an "RGB" image byte for byte: the CLIP and BLIP processors of
// transformers call exactly that, so model inputs match the reference
// implementation bit for bit (see ../shared/fixtures/README.md, "Image
// preprocessing", and Pillow src/libImaging/Resample.c).
//
// ReduceThenResize() is an opt-in speed path for very large photos: it first
// averages f x f pixel blocks (like Pillow's reducing_gap) and then resizes.
// It is NOT exact (typically +-1..3 per channel against ResizeBicubic) and
// must never be used on the parity path.
//
// Thread safety: all functions may be called concurrently; the coefficient
// cache is per thread.
#ifndef PHOTOIDX_CORE_MODELS_PREPROCESS_RESIZE_H_
#define PHOTOIDX_CORE_MODELS_PREPROCESS_RESIZE_H_

#include <cstdint>
#include <vector>

#include "core/base/result.h"
#include "core/image/image.h"

namespace photoidx::models::preprocess {

// Fixed-point Pillow bicubic weights for one axis: output pixel i reads
// input pixels [first[i], first[i] + count[i]) with weights
// coeffs[i * ksize + j], in units of 2^-22 (Resample.c precompute_coeffs +
// normalize_coeffs_8bpc). The source interval is [in0, in1) (the `box` of
// Image.resize; [0, in_size) for a plain resize).
struct BicubicAxis {
  int in_size = 0;
  int out_size = 0;
  int ksize = 0;  // coefficients per output pixel (>= every count)
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int32_t> coeffs;  // out_size * ksize, zero past count
};

// REQUIRES: in_size, out_size > 0 and 0 <= in0 < in1 <= in_size.
BicubicAxis ComputeBicubicAxis(int in_size, int out_size, double in0, double in1);

// Pillow-exact. InvalidArgument for an empty input or a non-positive or
// absurd (> 65536) output size. Returns a copy when the size is unchanged.
Result<image::Image> ResizeBicubic(const image::Image& in, int out_width, int out_height);

// A window of the Pillow-exact resize: the pixels [left, left + width) x
// [top, top + height) of ResizeBicubic(in, out_width, out_height), computed
// without the rest (each output pixel only depends on its own weights, so
// this is exact and saves the work a centre crop would throw away).
// REQUIRES the window to lie inside the output (InvalidArgument otherwise).
struct Window {
  int left = 0, top = 0, width = 0, height = 0;
};
Result<image::Image> ResizeBicubicWindow(const image::Image& in, int out_width, int out_height,
                                         const Window& window);

// Non-exact fast path: when the input is at least `reducing_gap` times
// larger than the output along an axis, first box-average by
// f = floor(in / (out * reducing_gap)) along it, then bicubic-resize the
// reduced image with the source box scaled accordingly (as Pillow's
// resize(..., reducing_gap=g) does; rounding differs from Pillow's reduce()).
// reducing_gap <= 1 means no reduction (same as ResizeBicubicWindow).
Result<image::Image> ReduceThenResize(const image::Image& in, int out_width, int out_height,
                                      double reducing_gap, const Window& window);

}  // namespace photoidx::models::preprocess

#endif  // PHOTOIDX_CORE_MODELS_PREPROCESS_RESIZE_H_
