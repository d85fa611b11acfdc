// libFuzzer entry for the PNG adapter: any bytes must give a Status or an
// image of exactly width * height * 3 bytes, never a crash, hang or leak.
// The same input also runs through DecodeImage() (EXIF, orientation) when it
// sniffs as PNG.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/image/decoder_internal.h"
#include "core/image/image.h"
#include "tests/fuzz/fuzz_image_checks.h"

namespace {

using photoidx::image::DecodeOptions;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  photoidx::image::InitImageLibraries();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  DecodeOptions opt;
  opt.max_pixels = 4'000'000;  // keeps libFuzzer's RSS limit meaningful
  // The last byte sometimes asks for the header-only path.
  opt.metadata_only = size > 0 && data[size - 1] % 8 == 0;
  auto out = photoidx::image::internal::DecodePng(bytes, opt);
  if (!out.ok()) {
    PHOTOIDX_CHECK(!out.status().message().empty());
  } else if (!opt.metadata_only) {
    photoidx::fuzz::CheckImage(out->image);
    PHOTOIDX_CHECK(out->image.width == out->full_width && out->image.height == out->full_height);
  }
  photoidx::fuzz::CheckDecodeImage(bytes, opt, {photoidx::image::Format::kPng});
  return 0;
}
