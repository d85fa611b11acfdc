// The thresholds are deliberately strict. What the broken files produce is
// not "dark": the pruned Sony HIF decodes to 8640x5760 pixels with a maximum
// value of 1, the metadata-only DNGs to exact zeros, the metadata-only NEF to
// 255 everywhere. A real photo, even a night shot or a lens-cap frame, has
// sensor noise or gamma-lifted shadows above 4 somewhere in a 16k-point grid,
// and a blown-out snow scene has some texture below 251. Sampling a grid keeps
// the cost at a few microseconds for any image size.
#include "core/image/plausibility.h"

#include <algorithm>

namespace photoidx::image::internal {
namespace {

constexpr int kMaxGrid = 128;
constexpr long kMinPixels = 64;

}  // namespace

Status CheckPlausible(const Image& img) {
  if (img.empty() || long(img.width) * img.height < kMinPixels) return Status::OK();
  const int nx = std::min(img.width, kMaxGrid);
  const int ny = std::min(img.height, kMaxGrid);
  bool all_black = true;
  bool all_white = true;
  for (int j = 0; j < ny && (all_black || all_white); ++j) {
    // Centre of each grid cell, so that borders (often black bars) do not
    // dominate small grids.
    const int y = int((long(2 * j + 1) * img.height) / (2L * ny));
    const uint8_t* row = img.row(y);
    for (int i = 0; i < nx; ++i) {
      const int x = int((long(2 * i + 1) * img.width) / (2L * nx));
      const uint8_t* p = row + size_t(x) * 3;
      const int hi = std::max({p[0], p[1], p[2]});
      const int lo = std::min({p[0], p[1], p[2]});
      if (hi > kPlausibleBlackMax) all_black = false;
      if (lo < kPlausibleWhiteMin) all_white = false;
    }
  }
  if (all_black) return Status::Corruption("implausible image: all black");
  if (all_white) return Status::Corruption("implausible image: all white");
  return Status::OK();
}

}  // namespace photoidx::image::internal
