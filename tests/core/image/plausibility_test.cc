// CheckPlausible(): what LibRaw and libheif hand back for pruned files
// (exact zeros, a maximum of 1, 255 everywhere) fails; dark, bright and
// small real-looking pictures pass.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/plausibility.h"

namespace photoidx::image::internal {
namespace {

Image Filled(int w, int h, uint8_t value) {
  Image img;
  img.width = w;
  img.height = h;
  img.pixels.assign(size_t(w) * h * 3, value);
  return img;
}

TEST(PlausibilityTest, AllBlackAndAllWhiteAreCorruption) {
  for (uint8_t v : {uint8_t{0}, uint8_t{1}, uint8_t{kPlausibleBlackMax}}) {
    Status s = CheckPlausible(Filled(640, 480, v));
    EXPECT_TRUE(s.IsCorruption()) << int(v);
    EXPECT_NE(s.message().find("all black"), std::string::npos) << s.ToString();
  }
  for (uint8_t v : {uint8_t{kPlausibleWhiteMin}, uint8_t{255}}) {
    Status s = CheckPlausible(Filled(640, 480, v));
    EXPECT_TRUE(s.IsCorruption()) << int(v);
    EXPECT_NE(s.message().find("all white"), std::string::npos) << s.ToString();
  }
}

TEST(PlausibilityTest, DarkOrBrightPicturesWithSomeDetailPass) {
  // A night shot: black except for noise of 5-12 in one pixel out of 16.
  Image night = Filled(4000, 3000, 0);
  for (size_t i = 0; i < night.pixels.size(); i += 48) night.pixels[i] = uint8_t(5 + i % 8);
  EXPECT_TRUE(CheckPlausible(night).ok());
  // Snow: white with a texture of 245-250 here and there.
  Image snow = Filled(4000, 3000, 255);
  for (size_t i = 1; i < snow.pixels.size(); i += 45) snow.pixels[i] = uint8_t(245 + i % 6);
  EXPECT_TRUE(CheckPlausible(snow).ok());
  EXPECT_TRUE(CheckPlausible(Filled(640, 480, kPlausibleBlackMax + 1)).ok());
  EXPECT_TRUE(CheckPlausible(Filled(640, 480, kPlausibleWhiteMin - 1)).ok());
}

TEST(PlausibilityTest, TinyAndEmptyImagesAreNotJudged) {
  EXPECT_TRUE(CheckPlausible(Filled(7, 9, 0)).ok());
  EXPECT_TRUE(CheckPlausible(Image{}).ok());
  EXPECT_TRUE(CheckPlausible(Filled(8, 8, 0)).IsCorruption());
}

}  // namespace
}  // namespace photoidx::image::internal
