// DecodeImage() end to end on the JPEG/PNG corpus: size after orientation,
// pixels byte-equal to Pillow (exif_transpose + convert("RGB")), metadata,
// and a clean reason for every damaged file.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/image.h"
#include "tests/core/image/image_test_util.h"
#include "tests/testutil.h"

namespace photoidx::image {
namespace {

std::vector<uint8_t> Load(const std::string& rel) {
  return photoidx::test::ReadFileBytes(photoidx::test::DataPath("images/" + rel));
}

class DecodeImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitImageLibraries(); }
};

struct Valid {
  const char* file;
  int width, height;  // after orientation
  uint64_t rgb_hash;  // tests/data/images/pillow_reference.py
};

// Output of tests/data/images/pillow_reference.py (Pillow 9.4.0).
const Valid kValid[] = {
    {"corrupt/misnamed/jpeg_named_as.heic", 500, 500, 0x9b7e46c92eb8cc04ULL},
    {"corrupt/misnamed/jpeg_named_as.png", 240, 180, 0x8b7f4e70a2a5948aULL},
    {"jpeg/arithmetic_coded_testimgari.jpg", 227, 149, 0x0cc30ec4defc0ec6ULL},
    {"jpeg/baseline_420_testorig.jpg", 227, 149, 0x6636942c099383b0ULL},
    {"jpeg/cmyk_adobe_ycck.jpg", 100, 100, 0x9b92ebfd81ed41bcULL},
    {"jpeg/exif_rich_canon_eos20d.jpg", 150, 91, 0xa1ead8c46302617eULL},
    {"jpeg/grayscale.jpg", 128, 128, 0x02384eefaf4ef5eaULL},
    {"jpeg/no_exif.jpg", 250, 188, 0x1bc0144cdc417ff4ULL},
    {"jpeg/progressive_gps.jpg", 494, 327, 0x114db1b2a07271edULL},
    {"jpeg/qtables_16bit.jpg", 128, 128, 0x1bb8c1420a7633bcULL},
    {"jpeg/tiny_1x1_gray.jpg", 1, 1, 0xd94d12186c0f2fb7ULL},
    {"jpeg/ycc422_gps_canon_s5is.jpg", 400, 300, 0xfeda3b0e94314283ULL},
    {"jpeg/ycc444_sony_a550.jpg", 512, 341, 0xa6ceb52e1a3dbd80ULL},
    {"orientation/jpeg/Portrait_0.jpg", 1200, 1800, 0xe1bd381ed823b843ULL},
    {"orientation/jpeg/Portrait_1.jpg", 1200, 1800, 0x732fe7b7dac7a311ULL},
    {"orientation/jpeg/Portrait_2.jpg", 1200, 1800, 0x840efb1b9c116d9cULL},
    {"orientation/jpeg/Portrait_3.jpg", 1200, 1800, 0x24c646940405c4e0ULL},
    {"orientation/jpeg/Portrait_4.jpg", 1200, 1800, 0x8044d713de0bfd11ULL},
    {"orientation/jpeg/Portrait_5.jpg", 1200, 1800, 0x92820d9156ebc076ULL},
    {"orientation/jpeg/Portrait_6.jpg", 1200, 1800, 0xaf2c1bc85756be87ULL},
    {"orientation/jpeg/Portrait_7.jpg", 1200, 1800, 0x656251976950b1b6ULL},
    {"orientation/jpeg/Portrait_8.jpg", 1200, 1800, 0xe0912f7360c328d4ULL},
    {"orientation/jpeg/gray_orient6_portrait.jpg", 840, 700, 0x60e4f67c9cd72595ULL},
    {"orientation/jpeg/nikon_d70_orient6.jpg", 91, 150, 0x5e73ec1414c3bca8ULL},
    {"orientation/jpeg/tiny_2x1_orient8.jpg", 1, 2, 0x63a313316f2fcb3dULL},
    {"orientation/png/imagemagick_exif_orient3.png", 512, 512, 0xc91113a374a7fe50ULL},
    {"other/mpo_nintendo3ds.mpo", 640, 480, 0x02a57bf656285c37ULL},
    {"png/exif_gps_canon.png", 1, 1, 0xf998341be47bae14ULL},
    {"png/iccp_known_incorrect_srgb.png", 460, 60, 0xf3fc745ec8867849ULL},
    {"png/photo_rgb8.png", 128, 128, 0x9fd5849cfd0b4536ULL},
    {"png/pngsuite_basi0g16.png", 32, 32, 0x662cf84069eb1c09ULL},
    {"png/pngsuite_basi2c08.png", 32, 32, 0x20362d9a3ff2e125ULL},
    {"png/pngsuite_basi3p08.png", 32, 32, 0x028ba631a921e8c5ULL},
    {"png/pngsuite_basi6a08.png", 32, 32, 0x8da78cfa13ff55a5ULL},
    {"png/pngsuite_basn0g01.png", 32, 32, 0x16a22971f6e37aa3ULL},
    {"png/pngsuite_basn0g08.png", 32, 32, 0x2baa095f16b61881ULL},
    {"png/pngsuite_basn0g16.png", 32, 32, 0x662cf84069eb1c09ULL},
    {"png/pngsuite_basn2c08.png", 32, 32, 0x20362d9a3ff2e125ULL},
    {"png/pngsuite_basn2c16.png", 32, 32, 0x51c143bea37a5cb5ULL},
    {"png/pngsuite_basn3p01.png", 32, 32, 0xf193525f5d1a3b25ULL},
    {"png/pngsuite_basn3p08.png", 32, 32, 0x028ba631a921e8c5ULL},
    {"png/pngsuite_basn4a08.png", 32, 32, 0x6b19bae66df186c5ULL},
    {"png/pngsuite_basn6a08.png", 32, 32, 0x8da78cfa13ff55a5ULL},
    {"png/pngsuite_basn6a16.png", 32, 32, 0x0fb9f19e3cafa3f5ULL},
    {"png/pngsuite_ftbbn3p08_palette_trns.png", 32, 32, 0x3ff181111e016217ULL},
    {"png/pngsuite_s01n3p01.png", 1, 1, 0xd94c37186c0dbb96ULL},
    {"png/rgba16_exif.png", 128, 128, 0x44a64e44e762f971ULL},
};

TEST_F(DecodeImageTest, EveryValidFileMatchesPillowAfterOrientation) {
  for (const Valid& v : kValid) {
    std::vector<uint8_t> bytes = Load(v.file);
    Result<Decoded> d = DecodeImage(v.file, bytes);
    ASSERT_TRUE(d.ok()) << v.file << ": " << d.status().ToString();
    const std::string name = v.file;
    const Format want = name.find(".png") != std::string::npos && name.find("misnamed") == std::string::npos
                            ? Format::kPng
                            : Format::kJpeg;
    EXPECT_EQ(d->metadata.format, want) << v.file;
    EXPECT_EQ(d->image.width, v.width) << v.file;
    EXPECT_EQ(d->image.height, v.height) << v.file;
    EXPECT_EQ(d->metadata.width, v.width) << v.file;
    EXPECT_EQ(d->metadata.height, v.height) << v.file;
    EXPECT_EQ(test::Fnv1a64(d->image.pixels), v.rgb_hash) << v.file;
    EXPECT_TRUE(d->metadata.warnings.empty()) << v.file << ": " << d->metadata.warnings[0];
  }
}

TEST_F(DecodeImageTest, ConcurrentDecodesGiveTheSameResults) {
  // The contract allows calls from several threads (own codec handles each).
  std::vector<std::vector<uint8_t>> files;
  for (const Valid& v : kValid) files.push_back(Load(v.file));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = size_t(t); i < files.size() * 2; i += 3) {
        const size_t k = i % files.size();
        Result<Decoded> d = DecodeImage(kValid[k].file, files[k]);
        if (!d.ok() || test::Fnv1a64(d->image.pixels) != kValid[k].rgb_hash) ++mismatches;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(DecodeImageTest, MetadataOnlyGivesTheSameMetadataWithoutPixels) {
  DecodeOptions meta;
  meta.metadata_only = true;
  for (const Valid& v : kValid) {
    std::vector<uint8_t> bytes = Load(v.file);
    Result<Decoded> full = DecodeImage(v.file, bytes);
    Result<Decoded> head = DecodeImage(v.file, bytes, meta);
    ASSERT_TRUE(full.ok() && head.ok()) << v.file << ": " << head.status().ToString();
    EXPECT_TRUE(head->image.empty()) << v.file;
    const Metadata& a = full->metadata;
    const Metadata& b = head->metadata;
    EXPECT_EQ(b.format, a.format) << v.file;
    EXPECT_EQ(b.width, a.width) << v.file;
    EXPECT_EQ(b.height, a.height) << v.file;
    EXPECT_EQ(b.orientation, a.orientation) << v.file;
    EXPECT_EQ(b.date_taken, a.date_taken) << v.file;
    EXPECT_EQ(b.make, a.make) << v.file;
    EXPECT_EQ(b.model, a.model) << v.file;
    EXPECT_EQ(b.gps.has_value(), a.gps.has_value()) << v.file;
  }
}

TEST_F(DecodeImageTest, ReducedDecodeKeepsFullSizeMetadata) {
  DecodeOptions small;
  small.min_side = 224;
  for (const Valid& v : kValid) {
    Result<Decoded> d = DecodeImage(v.file, Load(v.file), small);
    ASSERT_TRUE(d.ok()) << v.file << ": " << d.status().ToString();
    EXPECT_EQ(d->metadata.width, v.width) << v.file;
    EXPECT_EQ(d->metadata.height, v.height) << v.file;
    const int shorter = std::min(d->image.width, d->image.height);
    EXPECT_GE(shorter, std::min({224, v.width, v.height})) << v.file;
    // Same aspect as the full image (DCT scaling rounds up: within a pixel).
    EXPECT_NEAR(double(d->image.width) * v.height / v.width, d->image.height, 1.0) << v.file;
  }
}

TEST_F(DecodeImageTest, OrientationIsAppliedExactlyOnce) {
  // Orientation 6: stored 150x91, shown 91x150. Decoding reports the tag and
  // the upright size; the pixels equal Pillow's exif_transpose result.
  Result<Decoded> d = DecodeImage("nikon", Load("orientation/jpeg/nikon_d70_orient6.jpg"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metadata.orientation, 6);
  EXPECT_EQ(d->image.width, 91);
  EXPECT_EQ(d->image.height, 150);
  EXPECT_EQ(d->metadata.make, "NIKON CORPORATION");
  EXPECT_EQ(d->metadata.date_taken, "2004-03-30T10:43:46");
}

TEST_F(DecodeImageTest, TwelveBitJpegFailsCleanly) {
  Result<Decoded> d = DecodeImage("jpeg/precision12_monkey12.jpg", Load("jpeg/precision12_monkey12.jpg"));
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsNotSupported());
  EXPECT_EQ(d.status().message(),
            "jpeg/precision12_monkey12.jpg: jpeg: unsupported JPEG data precision 12");
}

enum class Outcome {
  kFails,             // error Status with a reason
  kDecodesWithWarning,  // pixels fine, Metadata::warnings names the damage
};

struct Damaged {
  const char* file;
  Outcome outcome;
  const char* reason;  // substring of the message / first warning
};

const Damaged kDamaged[] = {
    {"corrupt/jpeg/broken_exif_bad_app1_length.jpg", Outcome::kFails, "corrupt JPEG data"},
    {"corrupt/jpeg/broken_exif_not_tiff.jpg", Outcome::kDecodesWithWarning, "exif: "},
    {"corrupt/jpeg/broken_exif_truncated_ifd.jpg", Outcome::kDecodesWithWarning, "exif: "},
    {"corrupt/jpeg/derived_truncated_half_ycc422.jpg", Outcome::kFails, "premature end of data"},
    {"corrupt/jpeg/derived_truncated_in_exif.jpg", Outcome::kFails, "premature end of data"},
    {"corrupt/jpeg/exif_only_no_image.jpg", Outcome::kFails, "premature end of data"},
    {"corrupt/jpeg/exv_sidecar_named.jpg", Outcome::kFails, "unknown format"},
    {"corrupt/jpeg/icc_after_sof.jpg", Outcome::kDecodesWithWarning, "exif: "},
    {"corrupt/jpeg/junk_before_marker.jpg", Outcome::kDecodesWithWarning, "extraneous bytes"},
    {"corrupt/jpeg/metadata_only_no_frame.jpg", Outcome::kFails, "contains no image"},
    {"corrupt/jpeg/text_file_named.jpg", Outcome::kFails, "unknown format"},
    {"corrupt/jpeg/truncated_baseline_photoprism.jpg", Outcome::kFails, "premature end of data"},
    {"corrupt/jpeg/truncated_icc_app2.jpg", Outcome::kFails, "premature end of data"},
    {"corrupt/jpeg/truncated_progressive.jpg", Outcome::kFails, "premature end of data"},
    {"corrupt/jpeg/ultrahdr_truncated.jpg", Outcome::kFails, "premature end of data"},
    {"corrupt/jpeg/zero_bytes.jpg", Outcome::kFails, "empty file"},
    {"corrupt/png/bad_filter_byte.png", Outcome::kFails, "bad adaptive filter value"},
    {"corrupt/png/bad_ihdr_crc_iccp.png", Outcome::kFails, "CRC error"},
    {"corrupt/png/badadler.png", Outcome::kFails, "incorrect data check"},
    {"corrupt/png/badcrc.png", Outcome::kFails, "CRC error"},
    {"corrupt/png/broken_80_bytes.png", Outcome::kFails, "invalid chunk type"},
    {"corrupt/png/empty_ancillary_chunks.png", Outcome::kDecodesWithWarning, "eXIf"},
    {"corrupt/png/huge_exif_chunk.png", Outcome::kFails, "truncated"},
    {"corrupt/png/huge_idat.png", Outcome::kFails, "truncated"},
    {"corrupt/png/truncated_end_chunk.png", Outcome::kFails, "truncated"},
    {"corrupt/png/truncated_image.png", Outcome::kFails, "truncated"},
    {"corrupt/pngsuite/xc1n0g08.png", Outcome::kFails, "IHDR"},
    {"corrupt/pngsuite/xc9n2c08.png", Outcome::kFails, "IHDR"},
    {"corrupt/pngsuite/xcrn0g04.png", Outcome::kFails, "ASCII conversion"},
    {"corrupt/pngsuite/xcsn0g01.png", Outcome::kFails, "CRC error"},
    {"corrupt/pngsuite/xd0n2c08.png", Outcome::kFails, "IHDR"},
    {"corrupt/pngsuite/xd3n2c08.png", Outcome::kFails, "IHDR"},
    {"corrupt/pngsuite/xd9n2c08.png", Outcome::kFails, "IHDR"},
    {"corrupt/pngsuite/xdtn0g01.png", Outcome::kFails, "IEND: out of place"},
    {"corrupt/pngsuite/xhdn0g08.png", Outcome::kFails, "CRC error"},
    {"corrupt/pngsuite/xlfn0g04.png", Outcome::kFails, "ASCII conversion"},
    {"corrupt/pngsuite/xs1n0g01.png", Outcome::kFails, "unknown format"},
    {"corrupt/pngsuite/xs2n0g01.png", Outcome::kFails, "unknown format"},
    {"corrupt/pngsuite/xs4n0g01.png", Outcome::kFails, "unknown format"},
    {"corrupt/pngsuite/xs7n0g01.png", Outcome::kFails, "ASCII conversion"},
};

TEST_F(DecodeImageTest, EveryDamagedFileFailsOrWarnsWithAReason) {
  for (const Damaged& c : kDamaged) {
    Result<Decoded> d = DecodeImage(c.file, Load(c.file));
    if (c.outcome == Outcome::kFails) {
      ASSERT_FALSE(d.ok()) << c.file << " decoded " << d->image.width << "x" << d->image.height;
      EXPECT_TRUE(d.status().IsCorruption() || d.status().IsNotSupported()) << d.status().ToString();
      // "<name>: <stage>: <reason>"
      EXPECT_EQ(d.status().message().rfind(std::string(c.file) + ": ", 0), 0u) << d.status().message();
      EXPECT_NE(d.status().message().find(c.reason), std::string::npos)
          << c.file << ": " << d.status().message();
    } else {
      ASSERT_TRUE(d.ok()) << c.file << ": " << d.status().ToString();
      EXPECT_FALSE(d->image.empty()) << c.file;
      ASSERT_FALSE(d->metadata.warnings.empty()) << c.file;
      EXPECT_NE(d->metadata.warnings[0].find(c.reason), std::string::npos)
          << c.file << ": " << d->metadata.warnings[0];
    }
  }
}

TEST_F(DecodeImageTest, DamagedTableCoversEveryCorruptFile) {
  std::set<std::string> listed;
  for (const Damaged& c : kDamaged) listed.insert(c.file);
  for (const char* dir : {"corrupt/jpeg", "corrupt/png", "corrupt/pngsuite"}) {
    for (const auto& e : std::filesystem::directory_iterator(photoidx::test::DataPath("images/") + dir)) {
      const std::string rel = std::string(dir) + "/" + e.path().filename().string();
      EXPECT_TRUE(listed.count(rel)) << rel << " is not in kDamaged";
    }
  }
}

TEST_F(DecodeImageTest, MisnamedFilesAreDecodedByContent) {
  for (const char* f : {"corrupt/misnamed/jpeg_named_as.heic", "corrupt/misnamed/jpeg_named_as.png"}) {
    Result<Decoded> d = DecodeImage(f, Load(f));
    ASSERT_TRUE(d.ok()) << f << ": " << d.status().ToString();
    EXPECT_EQ(d->metadata.format, Format::kJpeg) << f;
  }
}

TEST_F(DecodeImageTest, RecognisedButUndecodableFormatsSayWhich) {
  struct Case {
    const char* file;
    const char* reason;
  };
  for (Case c : {Case{"other/webp_alpha.webp", "webp: format not supported"},
                 Case{"other/gif_palette.gif", "gif: format not supported"},
                 Case{"other/tiff_rgb16.tiff", "tiff: "}}) {
    Result<Decoded> d = DecodeImage(c.file, Load(c.file));
    ASSERT_FALSE(d.ok()) << c.file;
    EXPECT_TRUE(d.status().IsNotSupported()) << d.status().ToString();
    EXPECT_NE(d.status().message().find(c.reason), std::string::npos) << d.status().message();
  }
}

TEST_F(DecodeImageTest, DecodeFileReadsFromDiskAndReportsIoErrors) {
  Result<Decoded> d = DecodeFile(photoidx::test::DataPath("images/jpeg/no_exif.jpg"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->image.width, 250);
  photoidx::test::ScopedTempDir dir;
  Result<Decoded> missing = DecodeFile(dir.Join("nope.jpg"));
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsIOError()) << missing.status().ToString();
  Result<Decoded> directory = DecodeFile(dir.path());
  EXPECT_FALSE(directory.ok());
}

// The full shared corpus (../shared/fixtures/images), including the large
// files left out of tests/data for size. Runs when PHOTOIDX_IMAGE_CORPUS
// points at it, e.g. PHOTOIDX_IMAGE_CORPUS=/work/shared/fixtures/images.
TEST_F(DecodeImageTest, FullCorpusSizesAndMetadata) {
  const char* root = std::getenv("PHOTOIDX_IMAGE_CORPUS");
  if (root == nullptr) GTEST_SKIP() << "PHOTOIDX_IMAGE_CORPUS not set";
  struct Entry {
    const char* file;
    int width, height, orientation;
    const char* date;
    const char* model;
    bool gps;
  };
  const Entry entries[] = {
      {"jpeg/phone_pixel_12mp_gps.jpg", 4048, 3036, 1, "2018-07-25T16:34:23", "Pixel", true},
      {"jpeg/dslr_canon1300d_18mp_422.jpg", 5184, 3456, 1, "2019-10-26T16:07:24", "Canon EOS 1300D", false},
      {"png/photo_rgb16_icc.png", 149, 227, 1, nullptr, nullptr, false},
      {"orientation/jpeg/orient0_invalid_huawei.jpg", 500, 375, 1, "2020-06-16T18:52:46", "ELE-L29", true},
      {"orientation/jpeg/Landscape_0.jpg", 1800, 1200, 1, nullptr, nullptr, false},
      {"orientation/jpeg/Landscape_5.jpg", 1800, 1200, 5, nullptr, nullptr, false},
      {"orientation/jpeg/Landscape_6.jpg", 1800, 1200, 6, nullptr, nullptr, false},
      {"orientation/jpeg/Landscape_8.jpg", 1800, 1200, 8, nullptr, nullptr, false},
  };
  for (const Entry& e : entries) {
    Result<Decoded> d = DecodeFile(std::string(root) + "/" + e.file);
    ASSERT_TRUE(d.ok()) << e.file << ": " << d.status().ToString();
    EXPECT_EQ(d->image.width, e.width) << e.file;
    EXPECT_EQ(d->image.height, e.height) << e.file;
    EXPECT_EQ(d->metadata.orientation, e.orientation) << e.file;
    EXPECT_EQ(d->metadata.date_taken.value_or(""), e.date ? e.date : "") << e.file;
    EXPECT_EQ(d->metadata.model.value_or(""), e.model ? e.model : "") << e.file;
    EXPECT_EQ(d->metadata.gps.has_value(), e.gps) << e.file;
  }
}

}  // namespace
}  // namespace photoidx::image
