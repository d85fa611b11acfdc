// Decoded photos and what people search them by.
//
// DecodeImage() turns the bytes of a JPEG, PNG, HEIC/HEIF/AVIF or camera RAW
// file into an upright 8-bit RGB image plus its metadata. The format is
// sniffed from magic bytes, never from the file extension. Orientation is
// applied exactly once: EXIF for JPEG/PNG, irot/imir by libheif for HEIF
// (EXIF then ignored for pixels), LibRaw's flip for RAW.
//
// Thread safety: every function here may be called from several threads at
// once (each call uses its own codec handles). Call InitImageLibraries() once
// on the main thread before the first call.
#ifndef PHOTOIDX_CORE_IMAGE_IMAGE_H_
#define PHOTOIDX_CORE_IMAGE_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace photoidx::image {

enum class Format { kUnknown, kJpeg, kPng, kHeif, kAvif, kRaw, kWebp, kTiff, kGif, kBmp };

// "jpeg", "png", "heif", "avif", "raw", ... ("unknown" for kUnknown).
const char* FormatName(Format f);

// How many leading bytes SniffFormat() needs to tell every format apart.
// 16 are enough for everything except TIFF-based RAW (DNG, NEF, ARW, ...):
// telling those from a plain TIFF means reading IFD0, which nearly always
// fits in 4 KiB. With fewer bytes such a file may come back as kTiff.
inline constexpr size_t kSniffHeadBytes = 4096;

// Identifies the format from the first bytes of a file (see kSniffHeadBytes;
// the whole file is fine too). Returns kUnknown for anything that is not an
// image photoidx recognises.
Format SniffFormat(std::span<const uint8_t> head);

// True for the formats DecodeImage() can decode.
bool IsDecodable(Format f);

// Interleaved 8-bit RGB, row-major, no padding: pixels.size() == w * h * 3.
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;

  bool empty() const { return pixels.empty(); }
  const uint8_t* row(int y) const { return pixels.data() + size_t(y) * width * 3; }
};

struct GpsPosition {
  double latitude = 0;   // degrees, north positive
  double longitude = 0;  // degrees, east positive
  std::optional<double> altitude;  // metres above sea level
};

struct Metadata {
  Format format = Format::kUnknown;
  // Full-resolution size AFTER orientation (even when a reduced image was
  // decoded).
  int width = 0;
  int height = 0;
  // EXIF orientation tag as found in the file (1-8; 1 when absent). For HEIF
  // this is informational: libheif's irot/imir decide the pixels.
  int orientation = 1;
  // ISO 8601 "2018-07-25T16:34:23" plus "+02:00" when an offset is recorded.
  std::optional<std::string> date_taken;
  std::optional<std::string> make;
  std::optional<std::string> model;
  std::optional<std::string> lens;
  std::optional<GpsPosition> gps;
  // Non-fatal problems: the pixels decoded but something around them is
  // damaged (an EXIF block exiv2 cannot parse, a broken ancillary PNG chunk).
  // Each entry names its stage, e.g. "exif: This does not look like a TIFF
  // image". Empty for a clean file.
  std::vector<std::string> warnings;
};

struct DecodeOptions {
  // When > 0 the decoder may return a smaller image (JPEG DCT scaling, a RAW
  // preview, a HEIF decode at reduced size) as long as its shorter side stays
  // >= min_side, or the full image when that is smaller. 0 = full resolution.
  int min_side = 0;
  // Skip pixel decoding entirely: only Metadata is filled (width/height
  // included). Used by `photoidx info` and by the metadata pass.
  bool metadata_only = false;
  // Images with more pixels than this (width * height as stored) are refused
  // with NotSupported before any pixel memory is allocated. 0 = the default
  // limit, kDefaultMaxPixels. Fuzzers set a small value.
  int64_t max_pixels = 0;
};

// 200 MP: above any current camera; about 600 MB of RGB8.
inline constexpr int64_t kDefaultMaxPixels = 200'000'000;

struct Decoded {
  Image image;  // empty when DecodeOptions::metadata_only
  Metadata metadata;
};

// Must be called on the main thread before any other function here (exiv2's
// XMP parser, libheif). Idempotent: later calls do nothing.
void InitImageLibraries();

// Decodes `bytes` (the whole file). `name` is used in error messages only.
// Errors: NotSupported (unknown format, 12-bit JPEG, ...), Corruption
// (truncated, bad data, an implausible all-black RAW), never a crash.
Result<Decoded> DecodeImage(std::string_view name, std::span<const uint8_t> bytes,
                            const DecodeOptions& options = {});

// Reads a file and decodes it. IOError when it cannot be read.
Result<Decoded> DecodeFile(const std::string& path, const DecodeOptions& options = {});

}  // namespace photoidx::image

#endif  // PHOTOIDX_CORE_IMAGE_IMAGE_H_
