// The PNG adapter on its own: every colour type to RGB8 as Pillow's
// convert("RGB") gives it, interlacing, eXIf, and damaged files as errors.
// Byte parity with Pillow for every corpus PNG is in decode_image_test.cc.
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

Result<AdapterOutput> Decode(const std::string& rel, const DecodeOptions& opt = {}) {
  return DecodePng(Load(rel), opt);
}

TEST(PngDecoderTest, InterlacedDecodesLikeNonInterlaced) {
  // PngSuite's basi* files hold the same pixels as basn*, Adam7-interlaced.
  for (const char* type : {"0g16", "2c08", "3p08", "6a08"}) {
    Result<AdapterOutput> plain = Decode(std::string("png/pngsuite_basn") + type + ".png");
    Result<AdapterOutput> inter = Decode(std::string("png/pngsuite_basi") + type + ".png");
    ASSERT_TRUE(plain.ok()) << type << ": " << plain.status().ToString();
    ASSERT_TRUE(inter.ok()) << type << ": " << inter.status().ToString();
    EXPECT_EQ(inter->image.pixels, plain->image.pixels) << type;
  }
}

TEST(PngDecoderTest, GrayTypesAreReplicated) {
  for (const char* f : {"png/pngsuite_basn0g01.png", "png/pngsuite_basn0g08.png",
                        "png/pngsuite_basn0g16.png", "png/pngsuite_basn4a08.png"}) {
    Result<AdapterOutput> out = Decode(f);
    ASSERT_TRUE(out.ok()) << f << ": " << out.status().ToString();
    const std::vector<uint8_t>& p = out->image.pixels;
    ASSERT_EQ(p.size(), size_t(32) * 32 * 3) << f;
    bool gray = true;
    for (size_t i = 0; i < p.size(); i += 3) gray &= p[i] == p[i + 1] && p[i] == p[i + 2];
    EXPECT_TRUE(gray) << f;
  }
  // 1-bit gray expands to 0 and 255 only.
  Result<AdapterOutput> bw = Decode("png/pngsuite_basn0g01.png");
  ASSERT_TRUE(bw.ok());
  for (uint8_t v : bw->image.pixels) ASSERT_TRUE(v == 0 || v == 255) << int(v);
}

TEST(PngDecoderTest, SixteenBitKeepsTheHighByte) {
  // basn0g16 is a horizontal ramp: 16-bit value 0x0900 * x in the first row
  // (x = 0..28 before it wraps), so the high byte is 9 * x.
  Result<AdapterOutput> out = Decode("png/pngsuite_basn0g16.png");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  for (int x = 0; x < 28; ++x) EXPECT_EQ(out->image.row(0)[x * 3], 9 * x) << "x=" << x;
}

TEST(PngDecoderTest, AlphaIsDroppedNotComposited) {
  // basn6a08: RGBA whose alpha varies; dropping it keeps the colour values,
  // compositing would pull them towards the background. Pillow's result:
  Result<AdapterOutput> out = Decode("png/pngsuite_basn6a08.png");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(test::Fnv1a64(out->image.pixels), 0x8da78cfa13ff55a5ULL);
  // The top-left pixel is fully transparent yet keeps its colour (255, 0, 8).
  EXPECT_EQ(out->image.row(0)[0], 255);
  EXPECT_EQ(out->image.row(0)[1], 0);
  EXPECT_EQ(out->image.row(0)[2], 8);
}

TEST(PngDecoderTest, PaletteWithTransparencyIsExpanded) {
  Result<AdapterOutput> out = Decode("png/pngsuite_ftbbn3p08_palette_trns.png");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(test::Fnv1a64(out->image.pixels), 0x3ff181111e016217ULL);
}

TEST(PngDecoderTest, ExifChunkIsHandedToTheExifReader) {
  for (const char* f : {"png/rgba16_exif.png", "png/exif_gps_canon.png"}) {
    Result<AdapterOutput> out = Decode(f);
    ASSERT_TRUE(out.ok()) << f << ": " << out.status().ToString();
    ASSERT_GE(out->exif_tiff.size(), 8u) << f;
    const uint8_t* t = out->exif_tiff.data();
    EXPECT_TRUE((t[0] == 'I' && t[1] == 'I' && t[2] == 42) || (t[0] == 'M' && t[1] == 'M' && t[3] == 42))
        << f;
  }
  // No eXIf chunk: nothing handed over (the EXIF reader reads the file).
  Result<AdapterOutput> plain = Decode("png/photo_rgb8.png");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->exif_tiff.empty());
}

TEST(PngDecoderTest, MetadataOnlyReadsTheHeader) {
  DecodeOptions opt;
  opt.metadata_only = true;
  Result<AdapterOutput> out = Decode("png/iccp_known_incorrect_srgb.png", opt);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->image.empty());
  EXPECT_EQ(out->full_width, 460);
  EXPECT_EQ(out->full_height, 60);
}

TEST(PngDecoderTest, DamagedFilesFailWithLibpngsReason) {
  struct Case {
    const char* file;
    const char* reason;
  };
  const Case cases[] = {
      {"corrupt/png/bad_filter_byte.png", "bad adaptive filter value"},
      {"corrupt/png/bad_ihdr_crc_iccp.png", "IHDR: CRC error"},
      {"corrupt/png/badadler.png", "incorrect data check"},
      {"corrupt/png/badcrc.png", "IDAT: CRC error"},
      {"corrupt/png/broken_80_bytes.png", "invalid chunk type"},
      {"corrupt/png/huge_exif_chunk.png", "truncated"},
      {"corrupt/png/huge_idat.png", "truncated"},
      {"corrupt/png/truncated_end_chunk.png", "truncated"},
      {"corrupt/png/truncated_image.png", "truncated"},
      {"corrupt/pngsuite/xc1n0g08.png", "Invalid IHDR data"},
      {"corrupt/pngsuite/xc9n2c08.png", "Invalid IHDR data"},
      {"corrupt/pngsuite/xcrn0g04.png", "PNG file corrupted by ASCII conversion"},
      {"corrupt/pngsuite/xcsn0g01.png", "IDAT: CRC error"},
      {"corrupt/pngsuite/xd0n2c08.png", "Invalid IHDR data"},
      {"corrupt/pngsuite/xd3n2c08.png", "Invalid IHDR data"},
      {"corrupt/pngsuite/xd9n2c08.png", "Invalid IHDR data"},
      {"corrupt/pngsuite/xdtn0g01.png", "IEND: out of place"},
      {"corrupt/pngsuite/xhdn0g08.png", "IHDR: CRC error"},
      {"corrupt/pngsuite/xlfn0g04.png", "PNG file corrupted by ASCII conversion"},
      {"corrupt/pngsuite/xs1n0g01.png", "Not a PNG file"},  // sniffed as unknown; libpng agrees
  };
  for (const Case& c : cases) {
    Result<AdapterOutput> out = Decode(c.file);
    ASSERT_FALSE(out.ok()) << c.file;
    EXPECT_TRUE(out.status().IsCorruption()) << c.file << ": " << out.status().ToString();
    EXPECT_NE(out.status().message().find(c.reason), std::string::npos)
        << c.file << ": " << out.status().message();
  }
}

TEST(PngDecoderTest, EveryCutOfAGoodFileFails) {
  for (const char* f : {"png/photo_rgb8.png", "png/pngsuite_basi6a08.png", "png/exif_gps_canon.png"}) {
    std::vector<uint8_t> bytes = Load(f);
    for (size_t keep : {size_t(7), size_t(20), bytes.size() / 2, bytes.size() - 13, bytes.size() - 1}) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(keep));
      Result<AdapterOutput> out = DecodePng(cut, {});
      EXPECT_FALSE(out.ok()) << f << " cut to " << keep << " bytes";
    }
  }
}

TEST(PngDecoderTest, BrokenAncillaryChunksOnlyWarn) {
  // libpng's crasher "empty_ancillary_chunks": a valid 1x1 image whose
  // ancillary chunks are all empty. Pixels are fine; the broken eXIf is named.
  Result<AdapterOutput> out = Decode("corrupt/png/empty_ancillary_chunks.png");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->image.width, 1);
  ASSERT_FALSE(out->warnings.empty());
  EXPECT_NE(out->warnings[0].find("eXIf"), std::string::npos) << out->warnings[0];
}

TEST(PngDecoderTest, RefusesImagesAboveMaxPixels) {
  DecodeOptions opt;
  opt.max_pixels = 32 * 32 - 1;
  Result<AdapterOutput> out = Decode("png/pngsuite_basn2c08.png", opt);
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().IsNotSupported()) << out.status().ToString();
}

}  // namespace
}  // namespace photoidx::image::internal
