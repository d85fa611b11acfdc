// The JPEG adapter on its own (no orientation, no EXIF): scaling, colour
// conversion, and damaged data reported as errors instead of grey pixels.
// Byte parity with Pillow for every corpus JPEG is in decode_image_test.cc.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/decoder_internal.h"
#include "tests/core/image/image_test_util.h"
#include "tests/testutil.h"

namespace photoidx::image::internal {
namespace {

std::vector<uint8_t> Load(const std::string& rel) {
  return photoidx::test::ReadFileBytes(photoidx::test::DataPath("images/" + rel));
}

TEST(JpegDecoderTest, DecodesFullSizeRgb) {
  std::vector<uint8_t> bytes = Load("jpeg/baseline_420_testorig.jpg");
  Result<AdapterOutput> out = DecodeJpeg(bytes, {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->full_width, 227);
  EXPECT_EQ(out->full_height, 149);
  EXPECT_EQ(out->image.width, 227);
  EXPECT_EQ(out->image.height, 149);
  EXPECT_EQ(out->image.pixels.size(), size_t(227) * 149 * 3);
  EXPECT_FALSE(out->orientation_applied);
  EXPECT_TRUE(out->warnings.empty());
}

TEST(JpegDecoderTest, DctScalingKeepsShorterSideAtLeastMinSide) {
  std::vector<uint8_t> bytes = Load("orientation/jpeg/Portrait_1.jpg");  // 1200x1800
  Result<AdapterOutput> full = DecodeJpeg(bytes, {});
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  struct Case {
    int min_side, width, height;
  };
  // Largest of 1/8, 1/4, 1/2 whose shorter side (ceil(1200/d)) is >= min_side.
  for (Case c : {Case{100, 150, 225}, Case{150, 150, 225}, Case{151, 300, 450},
                 Case{224, 300, 450}, Case{600, 600, 900}, Case{601, 1200, 1800},
                 Case{5000, 1200, 1800}}) {
    DecodeOptions opt;
    opt.min_side = c.min_side;
    Result<AdapterOutput> out = DecodeJpeg(bytes, opt);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(out->image.width, c.width) << "min_side " << c.min_side;
    EXPECT_EQ(out->image.height, c.height) << "min_side " << c.min_side;
    // The stored size is reported whatever the scale.
    EXPECT_EQ(out->full_width, 1200);
    EXPECT_EQ(out->full_height, 1800);
    // Same picture, only smaller. PictureDistance to the full decode measured
    // 0.20 at 1/2, 0.64 at 1/4, 1.80 at 1/8; another picture scores > 30.
    EXPECT_LT(test::PictureDistance(out->image, full->image), 4.0) << "min_side " << c.min_side;
  }
}

TEST(JpegDecoderTest, MetadataOnlyReadsTheHeader) {
  std::vector<uint8_t> bytes = Load("jpeg/progressive_gps.jpg");
  DecodeOptions opt;
  opt.metadata_only = true;
  Result<AdapterOutput> out = DecodeJpeg(bytes, opt);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->image.empty());
  EXPECT_EQ(out->full_width, 494);
  EXPECT_EQ(out->full_height, 327);
}

TEST(JpegDecoderTest, GrayscaleIsReplicated) {
  for (const char* f : {"jpeg/grayscale.jpg", "jpeg/tiny_1x1_gray.jpg"}) {
    Result<AdapterOutput> out = DecodeJpeg(Load(f), {});
    ASSERT_TRUE(out.ok()) << f << ": " << out.status().ToString();
    const std::vector<uint8_t>& p = out->image.pixels;
    ASSERT_FALSE(p.empty());
    bool gray = true;
    for (size_t i = 0; i < p.size(); i += 3) gray &= p[i] == p[i + 1] && p[i] == p[i + 2];
    EXPECT_TRUE(gray) << f;
  }
}

TEST(JpegDecoderTest, AdobeCmykMatchesPillow) {
  Result<AdapterOutput> out = DecodeJpeg(Load("jpeg/cmyk_adobe_ycck.jpg"), {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->image.width, 100);
  // tests/data/images/pillow_reference.py (Image.convert("RGB") of "CMYK;I").
  EXPECT_EQ(test::Fnv1a64(out->image.pixels), 0x9b92ebfd81ed41bcULL);
}

TEST(JpegDecoderTest, TwelveBitPrecisionIsNotSupported) {
  Result<AdapterOutput> out = DecodeJpeg(Load("jpeg/precision12_monkey12.jpg"), {});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotSupported()) << out.status().ToString();
  EXPECT_NE(out.status().message().find("unsupported JPEG data precision 12"), std::string::npos)
      << out.status().message();
}

TEST(JpegDecoderTest, TruncatedFilesAreCorruptionNotGreyImages) {
  for (const char* f : {"corrupt/jpeg/truncated_progressive.jpg",
                        "corrupt/jpeg/truncated_baseline_photoprism.jpg",
                        "corrupt/jpeg/derived_truncated_half_ycc422.jpg",
                        "corrupt/jpeg/ultrahdr_truncated.jpg"}) {
    Result<AdapterOutput> out = DecodeJpeg(Load(f), {});
    ASSERT_FALSE(out.ok()) << f;
    EXPECT_TRUE(out.status().IsCorruption()) << f << ": " << out.status().ToString();
    EXPECT_NE(out.status().message().find("premature end of data"), std::string::npos)
        << out.status().message();
  }
}

TEST(JpegDecoderTest, EveryCutOfAGoodFileFails) {
  // Baseline and progressive: cut anywhere after the header, including just
  // before EOI (Pillow refuses those as "image file is truncated" too).
  for (const char* f : {"jpeg/baseline_420_testorig.jpg", "jpeg/progressive_gps.jpg",
                        "jpeg/arithmetic_coded_testimgari.jpg"}) {
    std::vector<uint8_t> bytes = Load(f);
    for (size_t keep : {bytes.size() / 4, bytes.size() / 2, bytes.size() * 9 / 10, bytes.size() - 2}) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(keep));
      Result<AdapterOutput> out = DecodeJpeg(cut, {});
      EXPECT_FALSE(out.ok()) << f << " cut to " << keep << " bytes";
      if (!out.ok()) {
        EXPECT_TRUE(out.status().IsCorruption()) << out.status().ToString();
      }
    }
  }
}

TEST(JpegDecoderTest, DamagedEntropyDataIsCorruption) {
  // libjpeg decodes it with 68 "Corrupt JPEG data" warnings.
  Result<AdapterOutput> out = DecodeJpeg(Load("corrupt/jpeg/broken_exif_bad_app1_length.jpg"), {});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsCorruption());
  EXPECT_NE(out.status().message().find("corrupt JPEG data"), std::string::npos)
      << out.status().message();
}

TEST(JpegDecoderTest, JunkBetweenHeaderMarkersIsAWarningOnly) {
  Result<AdapterOutput> out = DecodeJpeg(Load("corrupt/jpeg/junk_before_marker.jpg"), {});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->image.width, 1024);
  EXPECT_EQ(out->image.height, 768);
  ASSERT_EQ(out->warnings.size(), 1u);
  EXPECT_NE(out->warnings[0].find("extraneous bytes before marker 0xdb"), std::string::npos)
      << out->warnings[0];
}

TEST(JpegDecoderTest, NoImageOrNotAJpeg) {
  for (const char* f : {"corrupt/jpeg/metadata_only_no_frame.jpg", "corrupt/jpeg/exif_only_no_image.jpg",
                        "corrupt/jpeg/truncated_icc_app2.jpg", "corrupt/jpeg/text_file_named.jpg",
                        "corrupt/jpeg/exv_sidecar_named.jpg", "corrupt/jpeg/zero_bytes.jpg"}) {
    Result<AdapterOutput> out = DecodeJpeg(Load(f), {});
    ASSERT_FALSE(out.ok()) << f;
    EXPECT_TRUE(out.status().IsCorruption()) << f << ": " << out.status().ToString();
    EXPECT_NE(out.status().message().find("jpeg: "), std::string::npos) << out.status().message();
  }
}

TEST(JpegDecoderTest, RefusesImagesAboveMaxPixelsBeforeDecoding) {
  DecodeOptions opt;
  opt.max_pixels = 1200 * 1800 - 1;
  Result<AdapterOutput> out = DecodeJpeg(Load("orientation/jpeg/Portrait_1.jpg"), opt);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotSupported()) << out.status().ToString();
  EXPECT_NE(out.status().message().find("1200x1800"), std::string::npos);
  opt.max_pixels = 1200 * 1800;
  EXPECT_TRUE(DecodeJpeg(Load("orientation/jpeg/Portrait_1.jpg"), opt).ok());
}

}  // namespace
}  // namespace photoidx::image::internal
