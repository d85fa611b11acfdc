// What every image-decoder fuzz target asserts (header-only, shared by
// tests/fuzz/*_fuzz.cc): a decoded image has a positive size and exactly
// width * height * 3 bytes, and DecodeImage() on the same bytes gives a
// Status or such an image with an EXIF orientation in 1..8.
#ifndef PHOTOIDX_TESTS_FUZZ_FUZZ_IMAGE_CHECKS_H_
#define PHOTOIDX_TESTS_FUZZ_FUZZ_IMAGE_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>

#include "core/base/check.h"
#include "core/image/image.h"

namespace photoidx::fuzz {

inline void CheckImage(const image::Image& img) {
  PHOTOIDX_CHECK(img.width > 0 && img.height > 0);
  PHOTOIDX_CHECK(img.pixels.size() == size_t(img.width) * img.height * 3);
}

// Runs the whole decode path when `bytes` sniff as one of `formats`.
inline void CheckDecodeImage(std::span<const uint8_t> bytes, const image::DecodeOptions& opt,
                             std::initializer_list<image::Format> formats) {
  const image::Format f = image::SniffFormat(bytes);
  bool match = false;
  for (image::Format want : formats) match |= f == want;
  if (!match) return;
  auto d = image::DecodeImage("fuzz", bytes, opt);
  if (!d.ok()) return;
  PHOTOIDX_CHECK(d->metadata.orientation >= 1 && d->metadata.orientation <= 8);
  if (!opt.metadata_only) CheckImage(d->image);
}

}  // namespace photoidx::fuzz

#endif  // PHOTOIDX_TESTS_FUZZ_FUZZ_IMAGE_CHECKS_H_
