// Helpers for the core/image tests: pixel hashes and a coarse picture
// comparison that is tolerant of JPEG re-encoding but not of a wrong turn.
#ifndef PHOTOIDX_TESTS_CORE_IMAGE_IMAGE_TEST_UTIL_H_
#define PHOTOIDX_TESTS_CORE_IMAGE_IMAGE_TEST_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "core/image/image.h"

namespace photoidx::image::test {

// 64-bit FNV-1a, as tests/data/images/pillow_reference.py computes it.
inline uint64_t Fnv1a64(std::span<const uint8_t> bytes) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001B3ULL;
  return h;
}

// Mean colour of each cell of an n x n grid laid over the image (cells
// follow the image's own aspect), as n*n*3 doubles.
inline std::vector<double> GridMeans(const Image& img, int n = 16) {
  std::vector<double> out(size_t(n) * n * 3, 0.0);
  for (int gy = 0; gy < n; ++gy) {
    const int y0 = gy * img.height / n, y1 = std::max(y0 + 1, (gy + 1) * img.height / n);
    for (int gx = 0; gx < n; ++gx) {
      const int x0 = gx * img.width / n, x1 = std::max(x0 + 1, (gx + 1) * img.width / n);
      double sum[3] = {0, 0, 0};
      for (int y = y0; y < y1 && y < img.height; ++y) {
        const uint8_t* p = img.row(y) + size_t(x0) * 3;
        for (int x = x0; x < x1 && x < img.width; ++x, p += 3) {
          for (int c = 0; c < 3; ++c) sum[c] += p[c];
        }
      }
      const double count = double(y1 - y0) * (x1 - x0);
      for (int c = 0; c < 3; ++c) out[(size_t(gy) * n + gx) * 3 + c] = sum[c] / count;
    }
  }
  return out;
}

// Mean absolute difference (0-255 scale) between the grid means of two
// pictures. For the orientation corpus: the same photo re-encoded in another
// orientation and turned upright scores <= 0.3; any wrong turn or mirror >= 33.
inline double PictureDistance(const Image& a, const Image& b) {
  std::vector<double> ga = GridMeans(a), gb = GridMeans(b);
  double sum = 0;
  for (size_t i = 0; i < ga.size(); ++i) sum += std::abs(ga[i] - gb[i]);
  return sum / double(ga.size());
}

}  // namespace photoidx::image::test

#endif  // PHOTOIDX_TESTS_CORE_IMAGE_IMAGE_TEST_UTIL_H_
