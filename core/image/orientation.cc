// Each orientation is an affine map from output pixel (x', y') to source
// pixel index: src = base + x' * dx + y' * dy (in pixels of the stored
// image). Rotations read the source column-wise, so the copy runs in square
// tiles to keep both the rows read and the rows written in cache.
#include "core/image/orientation.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <utility>
#include <vector>

namespace photoidx::image {

namespace {

struct Mapping {
  ptrdiff_t base, dx, dy;
};

Mapping MappingFor(int orientation, ptrdiff_t w, ptrdiff_t h) {
  switch (orientation) {
    case 2: return {w - 1, -1, w};
    case 3: return {(h - 1) * w + w - 1, -1, -w};
    case 4: return {(h - 1) * w, 1, -w};
    case 5: return {0, w, 1};
    case 6: return {(h - 1) * w, -w, 1};
    case 7: return {(h - 1) * w + w - 1, -w, -1};
    default: return {w - 1, w, -1};  // 8
  }
}

constexpr int kTile = 32;

}  // namespace

bool OrientationSwapsAxes(int orientation) { return orientation >= 5 && orientation <= 8; }

void ApplyExifOrientation(int orientation, Image* image) {
  if (orientation < 2 || orientation > 8 || image->empty()) return;
  const int w = image->width, h = image->height;
  const int out_w = OrientationSwapsAxes(orientation) ? h : w;
  const int out_h = OrientationSwapsAxes(orientation) ? w : h;
  const Mapping m = MappingFor(orientation, w, h);
  const uint8_t* src = image->pixels.data();
  std::vector<uint8_t> out(image->pixels.size());
  if (orientation == 4) {
    // Vertical mirror: whole rows move.
    for (int y = 0; y < h; ++y) std::memcpy(out.data() + size_t(y) * w * 3, image->row(h - 1 - y), size_t(w) * 3);
  } else {
    // Tiles only matter for 5-8; for 2 and 3 a tile row is a plain row.
    const int tile = OrientationSwapsAxes(orientation) ? kTile : out_w;
    for (int ty = 0; ty < out_h; ty += tile) {
      const int y_end = std::min(out_h, ty + tile);
      for (int tx = 0; tx < out_w; tx += tile) {
        const int n = std::min(out_w, tx + tile) - tx;
        for (int y = ty; y < y_end; ++y) {
          uint8_t* d = out.data() + (size_t(y) * out_w + tx) * 3;
          const uint8_t* s = src + (m.base + ptrdiff_t(tx) * m.dx + ptrdiff_t(y) * m.dy) * 3;
          const ptrdiff_t step = m.dx * 3;
          for (int i = 0; i < n; ++i, d += 3, s += step) {
            d[0] = s[0];
            d[1] = s[1];
            d[2] = s[2];
          }
        }
      }
    }
  }
  image->pixels = std::move(out);
  image->width = out_w;
  image->height = out_h;
}

}  // namespace photoidx::image
