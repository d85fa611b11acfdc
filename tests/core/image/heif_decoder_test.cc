// HEIF/HEIC/AVIF end to end through DecodeImage(): size after orientation
// (tests/data/images MANIFEST values), irot/imir applied exactly once, the
// EXIF-without-irot rule, thumbnails for reduced decodes, metadata from the
// HEIF 'Exif' item, and a reason for every damaged file.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/decoder_internal.h"
#include "core/image/image.h"
#include "core/image/orientation.h"
#include "tests/core/image/image_test_util.h"
#include "tests/testutil.h"

namespace photoidx::image {
namespace {

std::vector<uint8_t> Load(const std::string& rel) {
  return photoidx::test::ReadFileBytes(photoidx::test::DataPath("images/" + rel));
}

class HeifDecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitImageLibraries(); }
};

// Mean of (blue - red) over a rectangle: large for sky.
double Blueness(const Image& img, int x0, int y0, int x1, int y1) {
  double sum = 0;
  for (int y = y0; y < y1; ++y) {
    const uint8_t* p = img.row(y) + size_t(x0) * 3;
    for (int x = x0; x < x1; ++x, p += 3) sum += double(p[2]) - double(p[0]);
  }
  return sum / (double(x1 - x0) * (y1 - y0));
}

struct Valid {
  const char* file;
  Format format;
  int width, height;  // after orientation (MANIFEST; generated files: heif-info)
  int orientation;    // EXIF tag as found (1 when absent)
};

const Valid kValid[] = {
    {"heic/alpha_10bit_rgba.heif", Format::kHeif, 128, 128, 1},
    {"heic/alpha_8bit.heic", Format::kHeif, 512, 512, 1},
    {"heic/gray_10bit.heif", Format::kHeif, 128, 128, 1},
    // Primary is the second of three top-level images (64x64, 64x64, 96x64).
    {"heic/multi_image_3_sizes.heic", Format::kHeif, 64, 64, 1},
    {"heic/tiny_exif_xmp_nikon.heic", Format::kHeif, 300, 200, 1},
    // Grid image, irot=270 and EXIF 6: rotated once, by libheif.
    {"heic/iphone15pro_exif6_irot270.heic", Format::kHeif, 3024, 4032, 6},
    // heif-enc 1.15 copies EXIF 6 and writes no irot: 200x300 stored.
    {"heic/generated_exif6_no_irot_thumb.heic", Format::kHeif, 300, 200, 6},
    {"heic/generated_exif6_no_irot_thumb.avif", Format::kAvif, 300, 200, 6},
    {"orientation/heic/exif1_orientation1.heic", Format::kHeif, 480, 160, 1},
    {"orientation/heic/exif2_orientation2.heic", Format::kHeif, 480, 160, 2},
    {"orientation/heic/exif3_orientation3.heic", Format::kHeif, 480, 160, 3},
    {"orientation/heic/exif4_orientation4.heic", Format::kHeif, 480, 160, 4},
    {"orientation/heic/exif5_orientation5.heic", Format::kHeif, 480, 160, 5},
    {"orientation/heic/exif6_orientation6.heic", Format::kHeif, 480, 160, 6},
    {"orientation/heic/exif7_orientation7.heic", Format::kHeif, 480, 160, 7},
    {"orientation/heic/exif8_orientation8.heic", Format::kHeif, 480, 160, 8},
    // EXIF 6, no irot: stored 4032x3024 sideways, upright 3024x4032.
    {"orientation/heic/iphone7_exif6_no_irot.heic", Format::kHeif, 3024, 4032, 6},
    // Portrait pixels, no irot, no EXIF Orientation (maker notes say
    // "right-top"): not rotated.
    {"orientation/heic/sony_a7c2_10bit_right_top.heic", Format::kHeif, 4672, 7008, 1},
};

TEST_F(HeifDecoderTest, EveryValidFileHasItsSizeAfterOrientation) {
  for (const Valid& v : kValid) {
    std::vector<uint8_t> bytes = Load(v.file);
    Result<Decoded> d = DecodeImage(v.file, bytes);
    ASSERT_TRUE(d.ok()) << v.file << ": " << d.status().ToString();
    EXPECT_EQ(d->metadata.format, v.format) << v.file;
    EXPECT_EQ(d->image.width, v.width) << v.file;
    EXPECT_EQ(d->image.height, v.height) << v.file;
    EXPECT_EQ(d->image.pixels.size(), size_t(v.width) * v.height * 3) << v.file;
    EXPECT_EQ(d->metadata.width, v.width) << v.file;
    EXPECT_EQ(d->metadata.height, v.height) << v.file;
    EXPECT_EQ(d->metadata.orientation, v.orientation) << v.file;

    DecodeOptions meta_only;
    meta_only.metadata_only = true;
    Result<Decoded> m = DecodeImage(v.file, bytes, meta_only);
    ASSERT_TRUE(m.ok()) << v.file << ": " << m.status().ToString();
    EXPECT_TRUE(m->image.empty()) << v.file;
    EXPECT_EQ(m->metadata.width, v.width) << v.file;
    EXPECT_EQ(m->metadata.height, v.height) << v.file;
  }
}

// The KDE set is one picture stored eight ways, each with the irot/imir
// matching its EXIF tag. libheif's transforms make all eight pixel-identical
// to orientation 1 (measured distance 0.000); applying EXIF on top, or any
// wrong turn, moves the grid means by >= 10 (measured 10.0-19.1).
TEST_F(HeifDecoderTest, IrotImirVariantsAreUprightAndNotTurnedTwice) {
  Result<Decoded> ref = DecodeImage("ref", Load("orientation/heic/exif1_orientation1.heic"));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  for (int o = 1; o <= 8; ++o) {
    const std::string file = "orientation/heic/exif" + std::to_string(o) + "_orientation" +
                             std::to_string(o) + ".heic";
    Result<Decoded> d = DecodeImage(file, Load(file));
    ASSERT_TRUE(d.ok()) << file << ": " << d.status().ToString();
    EXPECT_LT(test::PictureDistance(d->image, ref->image), 1.0) << file;
    if (o == 1) continue;
    // The same check would catch a second application of the EXIF tag.
    Image twice = d->image;
    ApplyExifOrientation(o, &twice);
    EXPECT_GT(test::PictureDistance(twice, ref->image), 5.0) << file;
  }
}

// iphone7_exif6_no_irot.heic: a castle under a blue sky. libheif alone
// returns it with the sky on the left (4032x3024); EXIF 6 turns it upright.
// Measured (blue - red): top eighth 110, bottom -19, left 40, right 25.
TEST_F(HeifDecoderTest, ExifOrientationAppliesWhenTheFileHasNoIrotOrImir) {
  Result<Decoded> d = DecodeImage("iphone7", Load("orientation/heic/iphone7_exif6_no_irot.heic"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const Image& img = d->image;
  ASSERT_EQ(img.width, 3024);
  ASSERT_EQ(img.height, 4032);
  const int w = img.width, h = img.height;
  const double top = Blueness(img, 0, 0, w, h / 8);
  const double bottom = Blueness(img, 0, h - h / 8, w, h);
  const double left = Blueness(img, 0, 0, w / 8, h);
  EXPECT_GT(top, 80.0);
  EXPECT_GT(top - bottom, 60.0);
  EXPECT_GT(top - left, 40.0);
}

// The generated file (heif-enc of a JPEG with EXIF 6: 200x300 stored, no
// irot) has a 64x96 thumbnail. Both come out upright and alike; the AVIF
// made from the same JPEG matches the HEIC. Measured: thumbnail vs full 5.6,
// AVIF vs HEIC 0.8; any wrong turn of the full image >= 51.
TEST_F(HeifDecoderTest, ThumbnailIsUsedForReducedDecodesAndTurnedTheSameWay) {
  const std::string heic = "heic/generated_exif6_no_irot_thumb.heic";
  Result<Decoded> full = DecodeImage(heic, Load(heic));
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  DecodeOptions small;
  small.min_side = 64;
  Result<Decoded> thumb = DecodeImage(heic, Load(heic), small);
  ASSERT_TRUE(thumb.ok()) << thumb.status().ToString();
  EXPECT_EQ(thumb->image.width, 96);
  EXPECT_EQ(thumb->image.height, 64);
  EXPECT_EQ(thumb->metadata.width, 300);  // full size still reported
  EXPECT_EQ(thumb->metadata.height, 200);
  EXPECT_LT(test::PictureDistance(thumb->image, full->image), 10.0);
  for (int o = 2; o <= 8; ++o) {
    Image wrong = full->image;
    ApplyExifOrientation(o, &wrong);
    EXPECT_GT(test::PictureDistance(wrong, full->image), 25.0) << "orientation " << o;
  }
  Result<Decoded> avif = DecodeImage("avif", Load("heic/generated_exif6_no_irot_thumb.avif"));
  ASSERT_TRUE(avif.ok()) << avif.status().ToString();
  EXPECT_LT(test::PictureDistance(avif->image, full->image), 3.0);

  // A min_side above every thumbnail gets the full image.
  small.min_side = 65;
  Result<Decoded> no_thumb = DecodeImage(heic, Load(heic), small);
  ASSERT_TRUE(no_thumb.ok()) << no_thumb.status().ToString();
  EXPECT_EQ(no_thumb->image.width, 300);
}

// iPhone 15 Pro: the 240x320 thumbnail has its own irot; it must match the
// upright grid image (measured 0.65; wrong turns >= 15).
TEST_F(HeifDecoderTest, IphoneThumbnailMatchesThePrimaryImage) {
  const std::string file = "heic/iphone15pro_exif6_irot270.heic";
  std::vector<uint8_t> bytes = Load(file);
  Result<Decoded> full = DecodeImage(file, bytes);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  DecodeOptions small;
  small.min_side = 224;
  Result<Decoded> thumb = DecodeImage(file, bytes, small);
  ASSERT_TRUE(thumb.ok()) << thumb.status().ToString();
  EXPECT_EQ(thumb->image.width, 240);
  EXPECT_EQ(thumb->image.height, 320);
  EXPECT_LT(test::PictureDistance(thumb->image, full->image), 3.0);
}

TEST_F(HeifDecoderTest, MetadataComesFromTheExifItem) {
  struct Meta {
    const char* file;
    const char* make;
    const char* model;
    const char* date;
    double lat, lon;  // 0, 0 = no GPS
  };
  // exiftool 12.57 -n (MANIFEST.md dates; GPS from exiftool -n).
  const Meta kMeta[] = {
      {"heic/tiny_exif_xmp_nikon.heic", "NIKON CORPORATION", "NIKON D5300", "2015-07-16T15:38:54",
       51.1782805555556, -1.82663888888889},
      {"heic/iphone15pro_exif6_irot270.heic", "Apple", "iPhone 15 Pro", "2023-10-31T11:44:43+01:00",
       52.4596055555556, 13.3218416666667},
      {"orientation/heic/iphone7_exif6_no_irot.heic", "Apple", "iPhone 7", "2018-09-10T12:16:13",
       34.79745, 134.764633333333},
      {"orientation/heic/sony_a7c2_10bit_right_top.heic", "SONY", "ILCE-7CM2",
       "2026-04-06T15:12:57+08:00", 0, 0},
  };
  DecodeOptions meta_only;
  meta_only.metadata_only = true;
  for (const Meta& m : kMeta) {
    Result<Decoded> d = DecodeImage(m.file, Load(m.file), meta_only);
    ASSERT_TRUE(d.ok()) << m.file << ": " << d.status().ToString();
    EXPECT_EQ(d->metadata.make.value_or(""), m.make) << m.file;
    EXPECT_EQ(d->metadata.model.value_or(""), m.model) << m.file;
    EXPECT_EQ(d->metadata.date_taken.value_or(""), m.date) << m.file;
    ASSERT_EQ(d->metadata.gps.has_value(), m.lat != 0) << m.file;
    if (m.lat != 0) {
      EXPECT_NEAR(d->metadata.gps->latitude, m.lat, 1e-6) << m.file;
      EXPECT_NEAR(d->metadata.gps->longitude, m.lon, 1e-6) << m.file;
    }
  }
}

TEST_F(HeifDecoderTest, ExifItemIsHandedOverAsATiffBlock) {
  Result<internal::AdapterOutput> out =
      internal::DecodeHeif(Load("heic/tiny_exif_xmp_nikon.heic"), DecodeOptions{.metadata_only = true});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_GE(out->exif_tiff.size(), 8u);
  EXPECT_TRUE((out->exif_tiff[0] == 'I' && out->exif_tiff[1] == 'I') ||
              (out->exif_tiff[0] == 'M' && out->exif_tiff[1] == 'M'));
  EXPECT_TRUE(out->orientation_applied);
  // Files without an Exif item hand over nothing.
  out = internal::DecodeHeif(Load("heic/alpha_8bit.heic"), DecodeOptions{.metadata_only = true});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->exif_tiff.empty());
}

struct Damaged {
  const char* file;
  Status::Code code;
  const char* reason;  // substring of the message
};

const Damaged kDamaged[] = {
    {"corrupt/heic/corrupted_no_meta.heic", Status::Code::kCorruption, "No 'meta' box"},
    {"corrupt/heic/invalid_primary_id.heic", Status::Code::kCorruption, "not a top-level image"},
    {"corrupt/heic/no_meta_80_bytes.heic", Status::Code::kCorruption, "No 'meta' box"},
    {"corrupt/heic/pruned_sony_a1_decodes_black.hif", Status::Code::kCorruption, "all black"},
    {"corrupt/heic/truncated.heic", Status::Code::kCorruption, "outside of file bounds"},
    {"corrupt/heic/zero_bytes.heic", Status::Code::kNotSupported, "empty file"},
};

TEST_F(HeifDecoderTest, EveryDamagedFileFailsWithAReason) {
  for (const Damaged& f : kDamaged) {
    Result<Decoded> d = DecodeImage(f.file, Load(f.file));
    ASSERT_FALSE(d.ok()) << f.file;
    EXPECT_EQ(d.status().code(), f.code) << f.file << ": " << d.status().ToString();
    EXPECT_NE(d.status().message().find(f.reason), std::string::npos)
        << f.file << ": " << d.status().ToString();
    EXPECT_NE(d.status().message().find(f.file), std::string::npos) << d.status().ToString();
  }
}

// The pruned Sony's thumbnails are black too: a reduced decode must not let
// them stand in for the primary image.
TEST_F(HeifDecoderTest, BlackThumbnailsDoNotHideABlackPrimary) {
  DecodeOptions small;
  small.min_side = 224;
  const char* file = "corrupt/heic/pruned_sony_a1_decodes_black.hif";
  Result<Decoded> d = DecodeImage(file, Load(file), small);
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsCorruption()) << d.status().ToString();
}

TEST_F(HeifDecoderTest, DamagedTableCoversEveryCorruptHeifFile) {
  std::vector<std::string> listed;
  for (const Damaged& f : kDamaged) listed.push_back(f.file);
  for (const auto& e : std::filesystem::directory_iterator(
           photoidx::test::DataPath("images/corrupt/heic"))) {
    const std::string rel = "corrupt/heic/" + e.path().filename().string();
    EXPECT_NE(std::find(listed.begin(), listed.end(), rel), listed.end()) << rel << " not tested";
  }
}

TEST_F(HeifDecoderTest, CutsOfAGoodFileNeverCrash) {
  std::vector<uint8_t> bytes = Load("heic/tiny_exif_xmp_nikon.heic");
  for (size_t n : {size_t(12), size_t(100), bytes.size() / 4, bytes.size() / 2, bytes.size() - 1}) {
    std::span<const uint8_t> cut(bytes.data(), n);
    Result<internal::AdapterOutput> out = internal::DecodeHeif(cut, {});
    EXPECT_FALSE(out.ok()) << "cut at " << n;
  }
}

TEST_F(HeifDecoderTest, RefusesImagesAboveMaxPixels) {
  DecodeOptions opt;
  opt.max_pixels = 480 * 160 - 1;
  Result<internal::AdapterOutput> out =
      internal::DecodeHeif(Load("orientation/heic/exif1_orientation1.heic"), opt);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotSupported()) << out.status().ToString();
}

// The full shared corpus, including the HEIC files left out of tests/data
// for size. Runs when PHOTOIDX_IMAGE_CORPUS points at it.
TEST_F(HeifDecoderTest, FullCorpusHeifFiles) {
  const char* root = std::getenv("PHOTOIDX_IMAGE_CORPUS");
  if (root == nullptr) GTEST_SKIP() << "PHOTOIDX_IMAGE_CORPUS not set";
  struct Entry {
    const char* file;
    int width, height;
  };
  const Entry kEntries[] = {
      {"heic/canon_r5_10bit.hif", 2400, 1600},
      {"heic/iphone13pro_depth.heic", 4032, 3024},
      {"heic/iphone7_plain.heic", 4032, 3024},
      {"heic/multi_image_example.heic", 1280, 854},
  };
  for (const Entry& e : kEntries) {
    Result<Decoded> d = DecodeFile(std::string(root) + "/" + e.file);
    ASSERT_TRUE(d.ok()) << e.file << ": " << d.status().ToString();
    EXPECT_EQ(d->image.width, e.width) << e.file;
    EXPECT_EQ(d->image.height, e.height) << e.file;
    EXPECT_EQ(d->metadata.width, e.width) << e.file;
    EXPECT_EQ(d->metadata.height, e.height) << e.file;
  }
  Result<Decoded> canon = DecodeFile(std::string(root) + "/corrupt/heic/corrupted_canon.hif");
  ASSERT_FALSE(canon.ok());
  EXPECT_TRUE(canon.status().IsCorruption()) << canon.status().ToString();
}

}  // namespace
}  // namespace photoidx::image
