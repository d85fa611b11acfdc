// The per-format adapters behind DecodeImage(). Internal to core/image.
//
// Each adapter owns one codec library and catches its errors (longjmp,
// exceptions, error codes) into a Status. Adapters do NOT apply EXIF
// orientation themselves: they report what they found and DecodeImage()
// applies it once (see `orientation_applied`).
#ifndef PHOTOIDX_CORE_IMAGE_DECODER_INTERNAL_H_
#define PHOTOIDX_CORE_IMAGE_DECODER_INTERNAL_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/image/image.h"

namespace photoidx::image::internal {

struct AdapterOutput {
  Image image;                 // RGB8; empty when metadata_only
  int full_width = 0;          // full-resolution size as stored (before EXIF orientation)
  int full_height = 0;
  // True when the pixels (and full_width/full_height) are already upright:
  // HEIF (libheif applied irot/imir) and RAW (LibRaw flip applied by the adapter).
  bool orientation_applied = false;
  // EXIF orientation the adapter knows from the container (RAW: flip mapped
  // to EXIF 1-8); 0 = ask the EXIF reader.
  int orientation = 0;
  // Raw EXIF (TIFF header onwards) when the container holds it outside the
  // places exiv2 can read (HEIF 'Exif' items). Empty otherwise.
  std::vector<uint8_t> exif_tiff;
  // Non-fatal problems found while decoding (copied into Metadata::warnings).
  std::vector<std::string> warnings;
};

// DecodeOptions::max_pixels with 0 replaced by kDefaultMaxPixels.
int64_t MaxPixels(const DecodeOptions& opt);

Result<AdapterOutput> DecodeJpeg(std::span<const uint8_t> bytes, const DecodeOptions& opt);
Result<AdapterOutput> DecodePng(std::span<const uint8_t> bytes, const DecodeOptions& opt);
Result<AdapterOutput> DecodeHeif(std::span<const uint8_t> bytes, const DecodeOptions& opt);
Result<AdapterOutput> DecodeRaw(std::span<const uint8_t> bytes, const DecodeOptions& opt);

// Called once by InitImageLibraries().
void InitHeif();
void InitRaw();

}  // namespace photoidx::image::internal

#endif  // PHOTOIDX_CORE_IMAGE_DECODER_INTERNAL_H_
