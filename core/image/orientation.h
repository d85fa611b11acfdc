// EXIF orientation (tag 0x0112) applied to an RGB8 Image.
//
// The tag says how the stored pixels must be transformed to be shown upright
// (EXIF 2.32, section 4.6.4 A, "Orientation"):
//   1 as stored            5 transpose (mirror + rotate 270 CW)
//   2 mirror horizontally  6 rotate 90 CW
//   3 rotate 180           7 transverse (mirror + rotate 90 CW)
//   4 mirror vertically    8 rotate 90 CCW (270 CW)
// These are exactly Pillow's ImageOps.exif_transpose() transforms.
// Thread safety: pure functions.
#ifndef PHOTOIDX_CORE_IMAGE_ORIENTATION_H_
#define PHOTOIDX_CORE_IMAGE_ORIENTATION_H_

#include "core/image/image.h"

namespace photoidx::image {

// True for 5-8, which swap width and height.
bool OrientationSwapsAxes(int orientation);

// Transforms `image` in place so that it shows upright. Values outside 2-8
// (1, 0 "unknown", garbage) leave it unchanged.
void ApplyExifOrientation(int orientation, Image* image);

}  // namespace photoidx::image

#endif  // PHOTOIDX_CORE_IMAGE_ORIENTATION_H_
