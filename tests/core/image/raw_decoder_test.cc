// Camera RAW / DNG end to end through DecodeImage() and the adapter: the
// preview path and half-size processing, LibRaw's flip applied exactly once
// for all eight orientations, the unsupported GoPro file, and a reason for
// every damaged file (including those LibRaw "decodes" without an error).
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/decoder_internal.h"
#include "core/image/image.h"
#include "core/image/orientation.h"
#include "core/image/raw_decoder.h"
#include "tests/core/image/image_test_util.h"
#include "tests/testutil.h"

namespace photoidx::image {
namespace {

std::vector<uint8_t> Load(const std::string& rel) {
  return photoidx::test::ReadFileBytes(photoidx::test::DataPath("images/" + rel));
}

class RawDecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitImageLibraries(); }
};

// canon_eos6d_lossy.dng is little-endian TIFF with one Orientation entry in
// IFD0 (tag 0x0112, SHORT, count 1, value 1). Rewrites its value.
void PatchOrientation(std::vector<uint8_t>& dng, int orientation) {
  static const uint8_t kEntry[8] = {0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00};
  int patched = 0;
  for (size_t i = 0; i + 10 <= dng.size(); ++i) {
    if (std::memcmp(&dng[i], kEntry, 8) == 0 && dng[i + 8] >= 1 && dng[i + 8] <= 8 &&
        dng[i + 9] == 0) {
      dng[i + 8] = uint8_t(orientation);
      ++patched;
    }
  }
  ASSERT_EQ(patched, 1);
}

// Its 1024x683 JPEG preview starts at byte 145584 (LibRaw: toffset). Zeroing
// the markers after SOI makes TurboJPEG reject it, which forces the
// half-size processing path on otherwise identical data.
constexpr size_t kEos6dPreviewOffset = 145584;
void BreakPreview(std::vector<uint8_t>& dng) {
  ASSERT_GT(dng.size(), kEos6dPreviewOffset + 64);
  std::fill(dng.begin() + long(kEos6dPreviewOffset) + 2, dng.begin() + long(kEos6dPreviewOffset) + 64,
            uint8_t{0});
}

TEST_F(RawDecoderTest, DngUsesItsPreviewAndReportsTheSensorSize) {
  const char* file = "raw/canon_eos6d_lossy.dng";
  Result<Decoded> d = DecodeImage(file, Load(file));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metadata.format, Format::kRaw);
  // The preview (1024x683) is larger than half-size processing would give.
  EXPECT_EQ(d->image.width, 1024);
  EXPECT_EQ(d->image.height, 683);
  EXPECT_EQ(d->metadata.width, 1224);  // LibRaw's full output (MANIFEST)
  EXPECT_EQ(d->metadata.height, 816);
  EXPECT_EQ(d->metadata.orientation, 1);
  EXPECT_EQ(d->metadata.make.value_or(""), "Canon");
  EXPECT_EQ(d->metadata.model.value_or(""), "Canon EOS 6D");
  EXPECT_EQ(d->metadata.date_taken.value_or("").substr(0, 19), "2019-06-06T07:29:51");
}

TEST_F(RawDecoderTest, PreviewIsDctScaledToMinSide) {
  std::vector<uint8_t> bytes = Load("raw/canon_eos6d_lossy.dng");
  Result<internal::AdapterOutput> full = internal::DecodeRaw(bytes, {});
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  DecodeOptions opt;
  opt.min_side = 200;
  Result<internal::AdapterOutput> small = internal::DecodeRaw(bytes, opt);
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  // TurboJPEG's smallest scale keeping 683 >= 200 is 3/8: 384x257.
  EXPECT_EQ(small->image.width, 384);
  EXPECT_EQ(small->image.height, 257);
  EXPECT_EQ(small->full_width, 1224);
  EXPECT_LT(test::PictureDistance(small->image, full->image), 2.0);
}

// Kodak DC50: a 96x64 bitmap thumbnail and a 768x512 sensor. A full request
// gets half-size processing (384x256); a small one may take the bitmap.
TEST_F(RawDecoderTest, KdcHalfSizeProcessingAndBitmapThumbnail) {
  const char* file = "raw/kodak_dc50.kdc";
  std::vector<uint8_t> bytes = Load(file);
  Result<Decoded> d = DecodeImage(file, bytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->metadata.format, Format::kRaw);
  EXPECT_EQ(d->image.width, 384);
  EXPECT_EQ(d->image.height, 256);
  EXPECT_EQ(d->metadata.width, 768);
  EXPECT_EQ(d->metadata.height, 512);
  EXPECT_EQ(d->metadata.model.value_or(""), "Kodak Digital Science DC50 Zoom Camera");
  DecodeOptions opt;
  opt.min_side = 64;
  Result<Decoded> thumb = DecodeImage(file, bytes, opt);
  ASSERT_TRUE(thumb.ok()) << thumb.status().ToString();
  EXPECT_EQ(thumb->image.width, 96);
  EXPECT_EQ(thumb->image.height, 64);
  EXPECT_EQ(thumb->metadata.width, 768);
}

// The preview is stored unrotated and turned by the adapter; processed
// images are turned by LibRaw itself. With the DNG's Orientation rewritten to
// each of 1-8, both paths must give the same upright picture and the same
// oriented size. Preview vs processing differ in tone (camera JPEG vs
// LibRaw): measured 7.2 for every orientation; a wrong turn or mirror of the
// processed image scores >= 14.8. Threshold halfway.
TEST_F(RawDecoderTest, FlipIsAppliedOnceOnBothPathsForAllEightOrientations) {
  const std::vector<uint8_t> original = Load("raw/canon_eos6d_lossy.dng");
  for (int o = 1; o <= 8; ++o) {
    std::vector<uint8_t> bytes = original;
    PatchOrientation(bytes, o);
    Result<Decoded> preview = DecodeImage("preview", bytes);
    std::vector<uint8_t> no_preview = bytes;
    BreakPreview(no_preview);
    Result<Decoded> processed = DecodeImage("processed", no_preview);
    ASSERT_TRUE(preview.ok()) << preview.status().ToString();
    ASSERT_TRUE(processed.ok()) << processed.status().ToString();
    const bool swap = o >= 5;
    EXPECT_EQ(preview->image.width, swap ? 683 : 1024) << o;
    EXPECT_EQ(processed->image.width, swap ? 816 : 1224) << o;  // LinearRaw: no 2x2 binning
    EXPECT_EQ(preview->metadata.width, swap ? 816 : 1224) << o;
    EXPECT_EQ(preview->metadata.height, swap ? 1224 : 816) << o;
    EXPECT_EQ(preview->metadata.orientation, o);
    EXPECT_EQ(processed->metadata.orientation, o);
    EXPECT_LT(test::PictureDistance(preview->image, processed->image), 11.0) << "orientation " << o;
    for (int wrong = 2; wrong <= 8; ++wrong) {
      Image turned = processed->image;
      ApplyExifOrientation(wrong, &turned);
      EXPECT_GT(test::PictureDistance(preview->image, turned), 11.0)
          << "orientation " << o << " turned by " << wrong;
    }
  }
}

// The explicit paths behind DecodeRaw(): kPreview takes any usable preview
// (the 96x64 KDC bitmap too), kProcess always processes at half size.
TEST_F(RawDecoderTest, ExplicitPathsForBenchAndTests) {
  using internal::RawPath;
  std::vector<uint8_t> kdc = Load("raw/kodak_dc50.kdc");
  Result<internal::AdapterOutput> preview = internal::DecodeRawVia(kdc, {}, RawPath::kPreview);
  ASSERT_TRUE(preview.ok()) << preview.status().ToString();
  EXPECT_EQ(preview->image.width, 96);
  Result<internal::AdapterOutput> processed = internal::DecodeRawVia(kdc, {}, RawPath::kProcess);
  ASSERT_TRUE(processed.ok()) << processed.status().ToString();
  EXPECT_EQ(processed->image.width, 384);
  EXPECT_EQ(processed->full_width, preview->full_width);
  std::vector<uint8_t> dng = Load("raw/canon_eos6d_lossy.dng");
  BreakPreview(dng);
  Result<internal::AdapterOutput> none = internal::DecodeRawVia(dng, {}, RawPath::kPreview);
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.status().IsNotSupported()) << none.status().ToString();
}

TEST_F(RawDecoderTest, GoProVc5IsNotSupported) {
  const char* file = "raw/gopro_hero6_head128k.gpr";
  Result<Decoded> d = DecodeImage(file, Load(file));
  ASSERT_FALSE(d.ok());
  EXPECT_TRUE(d.status().IsNotSupported()) << d.status().ToString();
  EXPECT_NE(d.status().message().find("unsupported RAW format"), std::string::npos)
      << d.status().ToString();
}

struct Damaged {
  const char* file;
  Status::Code code;
  const char* reason;
};

const Damaged kDamaged[] = {
    // 22 bytes of raw data for 8.2 MP (LibRaw alone: an all-black image).
    {"corrupt/raw/metadata_only_canon350d.dng", Status::Code::kCorruption, "too small"},
    // 18 bytes for 6.1 MP (LibRaw alone: all white plus a data error).
    {"corrupt/raw/metadata_only_nikon_d70.nef", Status::Code::kCorruption, "too small"},
    {"corrupt/raw/pruned_canon_s40.crw", Status::Code::kCorruption, "too small"},
    // Tile offsets up to 28.8 MB into a 64 KB file (LibRaw alone: all black).
    {"corrupt/raw/pruned_iphone12pro_proraw.dng", Status::Code::kCorruption, "past the end"},
    {"corrupt/raw/truncated_leica_m10.dng", Status::Code::kCorruption, "Input/output error"},
};

TEST_F(RawDecoderTest, EveryDamagedFileFailsWithAReason) {
  for (const Damaged& f : kDamaged) {
    std::vector<uint8_t> bytes = Load(f.file);
    for (bool metadata_only : {false, true}) {
      DecodeOptions opt;
      opt.metadata_only = metadata_only;
      Result<Decoded> d = DecodeImage(f.file, bytes, opt);
      ASSERT_FALSE(d.ok()) << f.file;
      EXPECT_EQ(d.status().code(), f.code) << f.file << ": " << d.status().ToString();
      EXPECT_NE(d.status().message().find(f.reason), std::string::npos)
          << f.file << ": " << d.status().ToString();
    }
  }
}

TEST_F(RawDecoderTest, DamagedTableCoversEveryCorruptRawFile) {
  std::vector<std::string> listed;
  for (const Damaged& f : kDamaged) listed.push_back(f.file);
  for (const auto& e :
       std::filesystem::directory_iterator(photoidx::test::DataPath("images/corrupt/raw"))) {
    const std::string rel = "corrupt/raw/" + e.path().filename().string();
    EXPECT_NE(std::find(listed.begin(), listed.end(), rel), listed.end()) << rel << " not tested";
  }
}

TEST_F(RawDecoderTest, CutsOfAGoodFileNeverDecode) {
  for (const char* file : {"raw/kodak_dc50.kdc", "raw/canon_eos6d_lossy.dng"}) {
    std::vector<uint8_t> bytes = Load(file);
    for (size_t n : {size_t(16), size_t(1000), bytes.size() / 4, bytes.size() / 2,
                     bytes.size() * 3 / 4, bytes.size() - 100}) {
      Result<internal::AdapterOutput> out = internal::DecodeRaw({bytes.data(), n}, {});
      EXPECT_FALSE(out.ok()) << file << " cut at " << n;
    }
  }
}

TEST_F(RawDecoderTest, GarbageIsNotSupported) {
  std::vector<uint8_t> garbage(100000);
  uint32_t x = 12345;
  for (uint8_t& b : garbage) b = uint8_t((x = x * 1103515245u + 12345u) >> 24);
  Result<internal::AdapterOutput> out = internal::DecodeRaw(garbage, {});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotSupported()) << out.status().ToString();
  out = internal::DecodeRaw({}, {});
  EXPECT_FALSE(out.ok());
}

TEST_F(RawDecoderTest, RefusesSensorsAboveMaxPixels) {
  DecodeOptions opt;
  opt.max_pixels = 768 * 512 - 1;
  Result<internal::AdapterOutput> out = internal::DecodeRaw(Load("raw/kodak_dc50.kdc"), opt);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotSupported()) << out.status().ToString();
}

// The full shared corpus, including the RAW files left out of tests/data
// for size. Runs when PHOTOIDX_IMAGE_CORPUS points at it.
TEST_F(RawDecoderTest, FullCorpusRawFiles) {
  const char* root = std::getenv("PHOTOIDX_IMAGE_CORPUS");
  if (root == nullptr) GTEST_SKIP() << "PHOTOIDX_IMAGE_CORPUS not set";
  struct Entry {
    const char* file;
    int width, height;  // LibRaw's full output (MANIFEST)
  };
  const Entry kEntries[] = {
      {"raw/canon_550d_magiclantern.dng", 1734, 1156},  // no preview: processing
      {"raw/canon_d30.crw", 2176, 1448},                // 1440x960 preview
      {"raw/kodak_c330.raw", 1216, 912},                // no magic bytes, no preview
  };
  for (const Entry& e : kEntries) {
    Result<Decoded> d = DecodeFile(std::string(root) + "/" + e.file);
    ASSERT_TRUE(d.ok()) << e.file << ": " << d.status().ToString();
    EXPECT_EQ(d->metadata.format, Format::kRaw) << e.file;
    EXPECT_EQ(d->metadata.width, e.width) << e.file;
    EXPECT_EQ(d->metadata.height, e.height) << e.file;
    EXPECT_GE(std::min(d->image.width, d->image.height), std::min(e.width, e.height) / 2) << e.file;
  }
  Result<Decoded> sony = DecodeFile(std::string(root) + "/corrupt/raw/truncated_sony_zv-e10.arw");
  EXPECT_FALSE(sony.ok());
}

}  // namespace
}  // namespace photoidx::image
