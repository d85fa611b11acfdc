// libFuzzer entry for the EXIF reader: the input is tried as a bare EXIF
// block (what HEIF items and PNG eXIf chunks hand over) and as a whole file
// (exiv2 picks the container from the magic bytes). Every exiv2 exception
// must come back as a Status; values must be validated.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/image/exif_reader.h"

namespace {

void CheckInfo(const photoidx::image::ExifInfo& info) {
  PHOTOIDX_CHECK(info.orientation >= 0 && info.orientation <= 8);
  if (info.date_taken) PHOTOIDX_CHECK(info.date_taken->size() == 19 || info.date_taken->size() == 25);
  if (info.gps) {
    PHOTOIDX_CHECK(std::abs(info.gps->latitude) <= 90.0);
    PHOTOIDX_CHECK(std::abs(info.gps->longitude) <= 180.0);
    if (info.gps->altitude) PHOTOIDX_CHECK(std::isfinite(*info.gps->altitude));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  photoidx::image::InitImageLibraries();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  auto blob = photoidx::image::ReadExifFromTiff(bytes);
  if (blob.ok()) CheckInfo(*blob);
  auto file = photoidx::image::ReadExifFromFile(bytes);
  if (file.ok()) CheckInfo(*file);
  return 0;
}
