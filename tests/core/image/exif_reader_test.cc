// EXIF fields against the corpus MANIFEST (exiftool 12.57) and, for GPS,
// Pillow's getexif().get_ifd(0x8825) converted to degrees.
#include "core/image/exif_reader.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::image {
namespace {

std::vector<uint8_t> Load(const std::string& rel) {
  return photoidx::test::ReadFileBytes(photoidx::test::DataPath("images/" + rel));
}

struct Gps {
  double lat, lon;
  std::optional<double> alt;
};

struct Expected {
  const char* file;
  int orientation;  // 0 = no (valid) tag
  const char* date;
  const char* make;
  const char* model;
  const char* lens;  // substring; nullptr = none
  std::optional<Gps> gps;
};

void ExpectOptional(const std::optional<std::string>& got, const char* want, const char* what,
                    const char* file) {
  if (want == nullptr) {
    EXPECT_FALSE(got.has_value()) << file << " " << what << ": " << got.value_or("");
  } else {
    EXPECT_EQ(got.value_or("<none>"), want) << file << " " << what;
  }
}

class ExifReaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { InitImageLibraries(); }
};

TEST_F(ExifReaderTest, FieldsMatchTheManifest) {
  const Expected cases[] = {
      {"jpeg/exif_rich_canon_eos20d.jpg", 1, "2006-08-02T21:53:01", "Canon", "Canon EOS 20D", nullptr, {}},
      {"jpeg/ycc422_gps_canon_s5is.jpg", 1, "2008-05-08T09:54:28", "Canon", "Canon PowerShot S5 IS",
       nullptr, Gps{36 + 26 / 60.0 + 54 / 3600.0, -(116 + 51 / 60.0 + 18 / 3600.0), -14.28}},
      // Make/Model end in NUL padding; DateTime holds a later ISO date.
      {"jpeg/ycc444_sony_a550.jpg", 0, "2012-08-05T11:39:59", "SONY", "DSLR-A550", nullptr, {}},
      {"jpeg/progressive_gps.jpg", 1, nullptr, nullptr, nullptr, nullptr,
       Gps{-(38 + 24.311687 / 60.0), 144 + 11.33748 / 60.0, std::nullopt}},
      // Only IFD0 DateTime: the last fallback.
      {"jpeg/cmyk_adobe_ycck.jpg", 1, "2009-03-06T22:15:00", nullptr, nullptr, nullptr, {}},
      {"jpeg/no_exif.jpg", 0, nullptr, nullptr, nullptr, nullptr, {}},
      {"jpeg/baseline_420_testorig.jpg", 0, nullptr, nullptr, nullptr, nullptr, {}},
      {"png/exif_gps_canon.png", 1, "2003-12-14T12:01:44", "Canon", "Canon PowerShot S40", nullptr,
       Gps{50 + 17 / 60.0 + 58.57 / 3600.0, 14 + 49 / 60.0 + 13.06 / 3600.0, 252.0}},
      {"png/rgba16_exif.png", 1, nullptr, nullptr, nullptr, nullptr, {}},
      // ImageMagick-style "Raw profile type exif" text chunk.
      {"orientation/png/imagemagick_exif_orient3.png", 3, nullptr, nullptr, nullptr, nullptr, {}},
      // Lens only in the Nikon maker note (exiftool: AF-S DX Zoom-Nikkor 18-70mm f/3.5-4.5G IF-ED).
      {"orientation/jpeg/nikon_d70_orient6.jpg", 6, "2004-03-30T10:43:46", "NIKON CORPORATION",
       "NIKON D70", "Zoom-Nikkor 18-70mm f/3.5-4.5G IF-ED", {}},
      {"orientation/jpeg/Portrait_0.jpg", 0, nullptr, nullptr, nullptr, nullptr, {}},
      {"orientation/jpeg/Portrait_5.jpg", 5, nullptr, nullptr, nullptr, nullptr, {}},
      {"orientation/jpeg/tiny_2x1_orient8.jpg", 8, nullptr, nullptr, nullptr, nullptr, {}},
      {"other/mpo_nintendo3ds.mpo", 0, "2014-03-02T13:30:00", "Nintendo", "Nintendo 3DS", nullptr, {}},
      // DateTimeOriginal wins over a different DateTime; LensModel tag.
      {"corrupt/misnamed/jpeg_named_as.heic", 1, "2013-03-05T17:29:26", "Canon", "Canon EOS 6D",
       "EF100mm f/2.8L Macro IS USM", {}},
      // GPSAltitudeRef 1: below sea level.
      {"corrupt/misnamed/jpeg_named_as.png", 0, "2018-01-11T13:09:38", "Apple", "iPhone SE",
       "iPhone SE back camera 4.15mm f/2.2",
       Gps{-(34 + 1 / 60.0 + 16.89 / 3600.0), 23 + 53 / 60.0 + 57.75 / 3600.0, -2.8093264248704664}},
      // Image data truncated, metadata intact: OffsetTimeOriginal "+08:00".
      {"corrupt/jpeg/ultrahdr_truncated.jpg", 1, "2024-05-07T09:33:04+08:00", "Google", "Pixel 6",
       "Pixel 6 back camera 6.81mm f/1.85",
       Gps{30 + 37 / 60.0 + 39.54 / 3600.0, 119 + 44 / 60.0 + 19.56 / 3600.0, 98.9}},
      // DateTime "2017:08:21 15:08:70": 70 seconds is not a time.
      {"other/tiff_rgb16.tiff", 0, nullptr, nullptr, nullptr, nullptr, {}},
  };
  for (const Expected& c : cases) {
    Result<ExifInfo> r = ReadExifFromFile(Load(c.file));
    ASSERT_TRUE(r.ok()) << c.file << ": " << r.status().ToString();
    EXPECT_EQ(r->orientation, c.orientation) << c.file;
    ExpectOptional(r->date_taken, c.date, "date", c.file);
    ExpectOptional(r->make, c.make, "make", c.file);
    ExpectOptional(r->model, c.model, "model", c.file);
    if (c.lens == nullptr) {
      EXPECT_FALSE(r->lens.has_value()) << c.file << " lens: " << r->lens.value_or("");
    } else {
      EXPECT_NE(r->lens.value_or("").find(c.lens), std::string::npos)
          << c.file << " lens: " << r->lens.value_or("<none>");
    }
    ASSERT_EQ(r->gps.has_value(), c.gps.has_value()) << c.file;
    if (c.gps) {
      // Rationals to degrees: 1e-7 degrees is about 1 cm.
      EXPECT_NEAR(r->gps->latitude, c.gps->lat, 1e-7) << c.file;
      EXPECT_NEAR(r->gps->longitude, c.gps->lon, 1e-7) << c.file;
      ASSERT_EQ(r->gps->altitude.has_value(), c.gps->alt.has_value()) << c.file;
      if (c.gps->alt) {
        EXPECT_NEAR(*r->gps->altitude, *c.gps->alt, 1e-6) << c.file;
      }
    }
  }
}

TEST_F(ExifReaderTest, BrokenBlocksAreErrorsNotCrashes) {
  // exiv2 throws on each of these; the reader must turn that into a Status.
  for (const char* f : {"corrupt/jpeg/broken_exif_not_tiff.jpg", "corrupt/jpeg/broken_exif_truncated_ifd.jpg",
                        "corrupt/jpeg/icc_after_sof.jpg", "corrupt/png/truncated_image.png"}) {
    Result<ExifInfo> r = ReadExifFromFile(Load(f));
    ASSERT_FALSE(r.ok()) << f;
    EXPECT_TRUE(r.status().IsCorruption()) << f;
    EXPECT_EQ(r.status().message().rfind("exif: ", 0), 0u) << r.status().message();
    EXPECT_GT(r.status().message().size(), 6u) << f;
  }
}

TEST_F(ExifReaderTest, UnknownContainerOrEmptyIsNoExifNotAnError) {
  for (const char* f : {"corrupt/jpeg/text_file_named.jpg", "corrupt/jpeg/zero_bytes.jpg"}) {
    Result<ExifInfo> r = ReadExifFromFile(Load(f));
    ASSERT_TRUE(r.ok()) << f << ": " << r.status().ToString();
    EXPECT_EQ(r->orientation, 0);
    EXPECT_FALSE(r->date_taken || r->make || r->model || r->lens || r->gps) << f;
  }
}

// The TIFF structure inside a JPEG's APP1 "Exif\0\0" segment.
std::vector<uint8_t> App1Tiff(const std::vector<uint8_t>& jpeg) {
  for (size_t i = 2; i + 10 < jpeg.size();) {
    if (jpeg[i] != 0xFF) break;
    const size_t len = size_t(jpeg[i + 2]) << 8 | jpeg[i + 3];
    if (jpeg[i + 1] == 0xE1 && std::equal(jpeg.begin() + long(i) + 4, jpeg.begin() + long(i) + 10,
                                          "Exif\0\0")) {
      return {jpeg.begin() + long(i) + 10, jpeg.begin() + long(i) + 2 + long(len)};
    }
    i += 2 + len;
  }
  return {};
}

TEST_F(ExifReaderTest, BareTiffBlockGivesTheSameFields) {
  std::vector<uint8_t> file = Load("orientation/jpeg/nikon_d70_orient6.jpg");
  std::vector<uint8_t> tiff = App1Tiff(file);
  ASSERT_GT(tiff.size(), 100u);
  Result<ExifInfo> whole = ReadExifFromFile(file);
  Result<ExifInfo> blob = ReadExifFromTiff(tiff);
  ASSERT_TRUE(whole.ok() && blob.ok()) << blob.status().ToString();
  EXPECT_EQ(blob->orientation, 6);
  EXPECT_EQ(blob->date_taken, whole->date_taken);
  EXPECT_EQ(blob->make, whole->make);
  EXPECT_EQ(blob->model, whole->model);
  EXPECT_EQ(blob->lens, whole->lens);
  // Some writers keep the "Exif\0\0" header in the blob.
  std::vector<uint8_t> prefixed = {'E', 'x', 'i', 'f', 0, 0};
  prefixed.insert(prefixed.end(), tiff.begin(), tiff.end());
  Result<ExifInfo> p = ReadExifFromTiff(prefixed);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->model, whole->model);
}

TEST_F(ExifReaderTest, GarbageAndCutBlocksNeverCrash) {
  EXPECT_FALSE(ReadExifFromTiff({}).ok());
  std::vector<uint8_t> text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!'};
  EXPECT_FALSE(ReadExifFromTiff(text).ok());
  // Every prefix of a real block: an error or partial fields, never a crash.
  std::vector<uint8_t> tiff = App1Tiff(Load("jpeg/ycc422_gps_canon_s5is.jpg"));
  ASSERT_GT(tiff.size(), 500u);
  for (size_t keep = 0; keep < tiff.size(); keep += 37) {
    std::vector<uint8_t> cut(tiff.begin(), tiff.begin() + long(keep));
    Result<ExifInfo> r = ReadExifFromTiff(cut);
    if (r.ok()) {
      EXPECT_LE(r->orientation, 8);
    }
  }
  // And of the whole file, cut inside the EXIF segment.
  std::vector<uint8_t> file = Load("jpeg/ycc422_gps_canon_s5is.jpg");
  for (size_t keep = 0; keep < 4000 && keep < file.size(); keep += 53) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + long(keep));
    (void)ReadExifFromFile(cut);
  }
}

}  // namespace
}  // namespace photoidx::image
