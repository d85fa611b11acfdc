// libFuzzer entry for the HEIF/AVIF adapter and its box/EXIF readers: any
// bytes must give a Status or an upright image of exactly width * height * 3
// bytes, never a crash, hang or leak. The same input also runs through
// DecodeImage() (EXIF reader, orientation) when it sniffs as HEIF/AVIF.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/image/decoder_internal.h"
#include "core/image/heif_orientation.h"
#include "core/image/image.h"
#include "tests/fuzz/fuzz_image_checks.h"

namespace {

using photoidx::image::DecodeOptions;
using photoidx::image::Format;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  photoidx::image::InitImageLibraries();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace internal = photoidx::image::internal;
  std::span<const uint8_t> bytes(data, size);
  (void)internal::FindHeifTransforms(bytes);
  const int o = internal::ExifIfd0Orientation(bytes);
  PHOTOIDX_CHECK(o >= 1 && o <= 8);

  DecodeOptions opt;
  opt.max_pixels = 4'000'000;  // keeps libFuzzer's RSS limit meaningful
  // The last byte picks a reduced size (thumbnails) or metadata only.
  const int pick = size > 0 ? data[size - 1] % 5 : 0;
  opt.min_side = pick < 4 ? pick * 48 : 0;
  opt.metadata_only = pick == 4;
  auto out = internal::DecodeHeif(bytes, opt);
  if (out.ok()) {
    PHOTOIDX_CHECK(out->orientation_applied);
    PHOTOIDX_CHECK(out->full_width > 0 && out->full_height > 0);
    if (opt.metadata_only) {
      PHOTOIDX_CHECK(out->image.empty());
    } else {
      photoidx::fuzz::CheckImage(out->image);
    }
    const int eo = internal::ExifIfd0Orientation(out->exif_tiff);
    PHOTOIDX_CHECK(eo >= 1 && eo <= 8);
  } else {
    PHOTOIDX_CHECK(!out.status().message().empty());
  }
  photoidx::fuzz::CheckDecodeImage(bytes, opt, {Format::kHeif, Format::kAvif});
  return 0;
}
