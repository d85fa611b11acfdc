// EXIF orientation: exact pixel maps on a tiny image, and real photos stored
// in all eight orientations coming out upright.
#include "core/image/orientation.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/decoder_internal.h"
#include "tests/core/image/image_test_util.h"
#include "tests/testutil.h"

namespace photoidx::image {
namespace {

// A w x h image whose pixel (x, y) has R = its 1-based index, G = x, B = y.
Image Numbered(int w, int h) {
  Image img;
  img.width = w;
  img.height = h;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      img.pixels.push_back(uint8_t(y * w + x + 1));
      img.pixels.push_back(uint8_t(x));
      img.pixels.push_back(uint8_t(y));
    }
  }
  return img;
}

// The R channel as rows, for comparing with the layouts below.
std::vector<std::vector<int>> Layout(const Image& img) {
  std::vector<std::vector<int>> rows(size_t(img.height));
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) rows[size_t(y)].push_back(img.row(y)[x * 3]);
  }
  return rows;
}

TEST(OrientationTest, ExactLayoutsForAllEightValues) {
  // Stored:  1 2 3     Each layout is what the EXIF 2.32 table (and Pillow's
  //          4 5 6     exif_transpose) shows for that tag value.
  const std::vector<std::vector<std::vector<int>>> expected = {
      {},
      {{1, 2, 3}, {4, 5, 6}},    // 1 as stored
      {{3, 2, 1}, {6, 5, 4}},    // 2 mirror horizontal
      {{6, 5, 4}, {3, 2, 1}},    // 3 rotate 180
      {{4, 5, 6}, {1, 2, 3}},    // 4 mirror vertical
      {{1, 4}, {2, 5}, {3, 6}},  // 5 transpose
      {{4, 1}, {5, 2}, {6, 3}},  // 6 rotate 90 CW
      {{6, 3}, {5, 2}, {4, 1}},  // 7 transverse
      {{3, 6}, {2, 5}, {1, 4}},  // 8 rotate 90 CCW
  };
  for (int o = 1; o <= 8; ++o) {
    Image img = Numbered(3, 2);
    ApplyExifOrientation(o, &img);
    EXPECT_EQ(Layout(img), expected[size_t(o)]) << "orientation " << o;
    EXPECT_EQ(img.pixels.size(), size_t(18));
    EXPECT_EQ(OrientationSwapsAxes(o), o >= 5) << o;
  }
}

TEST(OrientationTest, InvalidValuesLeaveTheImageAlone) {
  for (int o : {0, 9, -1, 255}) {
    Image img = Numbered(3, 2);
    ApplyExifOrientation(o, &img);
    EXPECT_EQ(img.pixels, Numbered(3, 2).pixels) << o;
    EXPECT_FALSE(OrientationSwapsAxes(o));
  }
  Image empty;
  ApplyExifOrientation(6, &empty);
  EXPECT_TRUE(empty.empty());
}

TEST(OrientationTest, TiledCopyMatchesPerPixelDefinitionOnOddSizes) {
  // Sizes that are not multiples of the 32-pixel tile, 1-pixel edges too.
  std::mt19937 rng(7);
  for (auto [w, h] : {std::pair{67, 45}, std::pair{1, 70}, std::pair{70, 1}, std::pair{33, 33}}) {
    Image src;
    src.width = w;
    src.height = h;
    for (int i = 0; i < w * h * 3; ++i) src.pixels.push_back(uint8_t(rng()));
    for (int o = 2; o <= 8; ++o) {
      Image out = src;
      ApplyExifOrientation(o, &out);
      const bool swap = o >= 5;
      ASSERT_EQ(out.width, swap ? h : w);
      ASSERT_EQ(out.height, swap ? w : h);
      for (int y = 0; y < out.height; ++y) {
        for (int x = 0; x < out.width; ++x) {
          // Source pixel per the EXIF definition of each value.
          int sx = 0, sy = 0;
          switch (o) {
            case 2: sx = w - 1 - x; sy = y; break;
            case 3: sx = w - 1 - x; sy = h - 1 - y; break;
            case 4: sx = x; sy = h - 1 - y; break;
            case 5: sx = y; sy = x; break;
            case 6: sx = y; sy = h - 1 - x; break;
            case 7: sx = w - 1 - y; sy = h - 1 - x; break;
            case 8: sx = w - 1 - y; sy = x; break;
          }
          for (int c = 0; c < 3; ++c) {
            ASSERT_EQ(out.row(y)[x * 3 + c], src.row(sy)[sx * 3 + c])
                << w << "x" << h << " o=" << o << " at " << x << "," << y;
          }
        }
      }
    }
  }
}

TEST(OrientationTest, InversePairsRestoreTheImage) {
  const int inverse[9] = {0, 1, 2, 3, 4, 5, 8, 7, 6};
  for (int o = 1; o <= 8; ++o) {
    Image img = Numbered(5, 3);
    ApplyExifOrientation(o, &img);
    ApplyExifOrientation(inverse[o], &img);
    EXPECT_EQ(img.pixels, Numbered(5, 3).pixels) << o;
    EXPECT_EQ(img.width, 5);
  }
}

// recurser/exif-orientation-examples: one photo stored in each orientation
// with the matching tag (0 = invalid, must be treated as 1). After applying
// the tag every variant must look like Portrait_1.
//
// Threshold: PictureDistance (mean abs difference of 16x16 grid means, 0-255)
// measured 0.00-0.16 for the right transform of each variant (the variants
// were re-encoded, so not 0) and 33.8-51.7 for every wrong one; 4.0 is far
// from both.
constexpr double kUprightThreshold = 4.0;

// Grid means do not depend on the scale: decode at 1/4 (300x450) for speed.
DecodeOptions Quarter() {
  DecodeOptions opt;
  opt.min_side = 300;
  return opt;
}

Image RawDecode(const std::string& rel) {
  std::vector<uint8_t> bytes = photoidx::test::ReadFileBytes(photoidx::test::DataPath(rel));
  Result<internal::AdapterOutput> out = internal::DecodeJpeg(bytes, Quarter());
  EXPECT_TRUE(out.ok()) << rel << ": " << out.status().ToString();
  return out.ok() ? std::move(out->image) : Image{};
}

TEST(OrientationTest, CorpusVariantsComeOutUprightAndOnlyTheRightTransformPasses) {
  InitImageLibraries();
  const Image reference = RawDecode("images/orientation/jpeg/Portrait_1.jpg");
  ASSERT_FALSE(reference.empty());
  for (int tag = 0; tag <= 8; ++tag) {
    const std::string rel = "images/orientation/jpeg/Portrait_" + std::to_string(tag) + ".jpg";
    // Through the public API: orientation read from EXIF and applied once.
    std::vector<uint8_t> bytes = photoidx::test::ReadFileBytes(photoidx::test::DataPath(rel));
    Result<Decoded> d = DecodeImage(rel, bytes, Quarter());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->metadata.orientation, tag == 0 ? 1 : tag);
    EXPECT_EQ(d->metadata.width, 1200) << rel;
    EXPECT_EQ(d->metadata.height, 1800) << rel;
    EXPECT_EQ(d->image.width, 300) << rel;
    EXPECT_EQ(d->image.height, 450) << rel;
    EXPECT_LT(test::PictureDistance(d->image, reference), kUprightThreshold) << rel;
    // Every other transform of the stored pixels must fail the same check.
    const Image raw = RawDecode(rel);
    const int right = tag == 0 ? 1 : tag;
    for (int o = 1; o <= 8; ++o) {
      if (o == right) continue;
      Image wrong = raw;
      ApplyExifOrientation(o, &wrong);
      EXPECT_GT(test::PictureDistance(wrong, reference), 5 * kUprightThreshold)
          << rel << " turned with " << o;
    }
  }
}

}  // namespace
}  // namespace photoidx::image
