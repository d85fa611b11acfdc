// EXIF metadata through exiv2: date taken, camera, lens, GPS, orientation.
//
// Two entry points: a whole file (any container exiv2 reads: JPEG, PNG,
// TIFF/DNG and camera RAW, ...) or a bare EXIF block starting at its TIFF
// header (HEIF 'Exif' items, PNG eXIf chunks; a leading "Exif\0\0" is
// skipped). Every exiv2 exception is caught: a broken block gives a
// Corruption status naming the problem, never a crash. A file without EXIF
// gives an empty ExifInfo and OK.
//
// Thread safety: safe to call from several threads once InitImageLibraries()
// has run (it initialises exiv2's XMP parser and mutes its log).
#ifndef PHOTOIDX_CORE_IMAGE_EXIF_READER_H_
#define PHOTOIDX_CORE_IMAGE_EXIF_READER_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "core/base/result.h"
#include "core/image/image.h"

namespace photoidx::image {

struct ExifInfo {
  int orientation = 0;  // Exif.Image.Orientation as stored; 0 when absent
  // DateTimeOriginal, else DateTimeDigitized, else DateTime, as
  // "YYYY-MM-DDTHH:MM:SS" plus the matching OffsetTime* ("+02:00") if any.
  std::optional<std::string> date_taken;
  std::optional<std::string> make;   // trimmed
  std::optional<std::string> model;  // trimmed
  // Exif.Photo.LensModel, else the lens exiv2 names from the maker notes.
  std::optional<std::string> lens;
  std::optional<GpsPosition> gps;  // only when latitude and longitude are valid
};

// Reads the EXIF of a whole image file. Unknown container: OK, empty.
Result<ExifInfo> ReadExifFromFile(std::span<const uint8_t> file_bytes);

// Reads a bare EXIF block (TIFF header onwards).
Result<ExifInfo> ReadExifFromTiff(std::span<const uint8_t> tiff);

}  // namespace photoidx::image

#endif  // PHOTOIDX_CORE_IMAGE_EXIF_READER_H_
