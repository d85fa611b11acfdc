// Deciding who orients a HEIF image: the container (irot/imir) or EXIF.
//
// libheif 1.15 applies irot/imir while decoding, and HEIF says the EXIF
// Orientation is then informational. Apple/KDE files carry both, in
// agreement, so EXIF must not be applied a second time. But some files carry
// an EXIF Orientation and no transform property at all: early iOS 11 HEICs
// (orientation/heic/iphone7_exif6_no_irot.heic decodes sideways, sky on the
// left, and is upright after EXIF 6), files re-encoded by tools that drop irot
// (ImageMagick #5647) and those in libheif #680 / libvips #2551. macOS
// Preview shows such files rotated by EXIF. libheif 1.15 has no API for the
// transform properties (heif_properties.h arrived in 1.16), so we read the
// boxes ourselves.
//
// The rule (implemented by the HEIF adapter):
//   the file has an irot or imir property anywhere  -> libheif's output is
//       upright; EXIF Orientation is ignored for pixels;
//   the file has neither                            -> apply the EXIF IFD0
//       Orientation tag (0x0112) to libheif's output.
// "Anywhere" rather than "on the primary item" because a writer that emits
// transform properties at all knows the convention, and derived items
// (grid, iden) may carry them on another item. Only IFD0's tag counts:
// exiv2 derives orientations from maker notes (Sony "right-top") that do not
// describe the stored pixels (orientation/heic/sony_a7c2_10bit_right_top.heic).
//
// Thread safety: pure functions over caller-owned bytes.
#ifndef PHOTOIDX_CORE_IMAGE_HEIF_ORIENTATION_H_
#define PHOTOIDX_CORE_IMAGE_HEIF_ORIENTATION_H_

#include <cstdint>
#include <span>

namespace photoidx::image::internal {

enum class HeifTransforms {
  kPresent,  // at least one irot or imir property in meta/iprp/ipco
  kAbsent,   // ipco parsed, neither property present
  kUnknown,  // no meta/iprp/ipco found or a box is malformed
};

// Scans the ISOBMFF boxes of a whole HEIF/AVIF file (bounds-checked; never
// reads outside `file`).
HeifTransforms FindHeifTransforms(std::span<const uint8_t> file);

// Orientation (1-8) from IFD0 tag 0x0112 of a TIFF-structured EXIF block
// ("II*\0"/"MM\0*" onwards). 1 when absent, out of range or malformed.
int ExifIfd0Orientation(std::span<const uint8_t> tiff);

}  // namespace photoidx::image::internal

#endif  // PHOTOIDX_CORE_IMAGE_HEIF_ORIENTATION_H_
