// Cheap sanity check for decoded pixels that a codec accepted without error.
//
// LibRaw and libheif "succeed" on some pruned or metadata-only files and hand
// back a full-size image that is entirely black (data gone, zeros decoded) or
// entirely white (garbage clipped to the maximum). Such a result must be
// reported as Corruption, not indexed as a photo. The HEIF and RAW adapters run
// this check on what they decoded.
//
// Thread safety: pure functions.
#ifndef PHOTOIDX_CORE_IMAGE_PLAUSIBILITY_H_
#define PHOTOIDX_CORE_IMAGE_PLAUSIBILITY_H_

#include "core/base/status.h"
#include "core/image/image.h"

namespace photoidx::image::internal {

// Returns OK, or Corruption("implausible image: all black" / "... all white")
// when every sampled pixel (a grid of at most 128x128 points) has all three
// channels <= kPlausibleBlackMax or all three >= kPlausibleWhiteMin. Images
// with fewer than 64 pixels are too small to judge and always pass.
inline constexpr int kPlausibleBlackMax = 4;
inline constexpr int kPlausibleWhiteMin = 251;
Status CheckPlausible(const Image& img);

}  // namespace photoidx::image::internal

#endif  // PHOTOIDX_CORE_IMAGE_PLAUSIBILITY_H_
