// FindHeifTransforms() on real files and on hand-built box trees, and
// ExifIfd0Orientation() on hand-built TIFF blocks.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/heif_orientation.h"
#include "tests/testutil.h"

namespace photoidx::image::internal {
namespace {

std::vector<uint8_t> Load(const std::string& rel) {
  return photoidx::test::ReadFileBytes(photoidx::test::DataPath("images/" + rel));
}

void Put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}

std::vector<uint8_t> Box(const char* type, const std::vector<uint8_t>& body) {
  std::vector<uint8_t> b;
  Put32(b, uint32_t(8 + body.size()));
  b.insert(b.end(), type, type + 4);
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

std::vector<uint8_t> Cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ftyp + meta(FullBox) { hdlr, iprp { ipco { props... } } }
std::vector<uint8_t> File(const std::vector<uint8_t>& ipco_body) {
  std::vector<uint8_t> meta_body = {0, 0, 0, 0};
  std::vector<uint8_t> rest =
      Cat({Box("hdlr", std::vector<uint8_t>(24, 0)), Box("iprp", Box("ipco", ipco_body))});
  meta_body.insert(meta_body.end(), rest.begin(), rest.end());
  return Cat({Box("ftyp", {'h', 'e', 'i', 'c', 0, 0, 0, 0}), Box("meta", meta_body)});
}

TEST(HeifOrientationTest, CorpusFiles) {
  EXPECT_EQ(FindHeifTransforms(Load("orientation/heic/iphone7_exif6_no_irot.heic")),
            HeifTransforms::kAbsent);
  EXPECT_EQ(FindHeifTransforms(Load("orientation/heic/exif1_orientation1.heic")),
            HeifTransforms::kAbsent);
  EXPECT_EQ(FindHeifTransforms(Load("heic/generated_exif6_no_irot_thumb.heic")),
            HeifTransforms::kAbsent);
  for (int o = 2; o <= 8; ++o) {
    const std::string f = "orientation/heic/exif" + std::to_string(o) + "_orientation" +
                          std::to_string(o) + ".heic";
    EXPECT_EQ(FindHeifTransforms(Load(f)), HeifTransforms::kPresent) << f;
  }
  EXPECT_EQ(FindHeifTransforms(Load("heic/iphone15pro_exif6_irot270.heic")),
            HeifTransforms::kPresent);
  EXPECT_EQ(FindHeifTransforms(Load("corrupt/heic/no_meta_80_bytes.heic")),
            HeifTransforms::kUnknown);
  EXPECT_EQ(FindHeifTransforms({}), HeifTransforms::kUnknown);
}

TEST(HeifOrientationTest, BuiltBoxes) {
  const std::vector<uint8_t> ispe = Box("ispe", std::vector<uint8_t>(12, 0));
  EXPECT_EQ(FindHeifTransforms(File(ispe)), HeifTransforms::kAbsent);
  EXPECT_EQ(FindHeifTransforms(File(Cat({ispe, Box("irot", {0})}))), HeifTransforms::kPresent);
  EXPECT_EQ(FindHeifTransforms(File(Cat({ispe, Box("imir", {1})}))), HeifTransforms::kPresent);
  // A property whose size runs past its container: unknown, never a read
  // outside the buffer.
  std::vector<uint8_t> bad = Box("irot", {0});
  bad[3] = 200;
  EXPECT_EQ(FindHeifTransforms(File(Cat({ispe, bad}))), HeifTransforms::kUnknown);
  std::vector<uint8_t> file = File(Cat({ispe, Box("irot", {0})}));
  for (size_t n = 0; n < file.size(); ++n) {
    EXPECT_NE(FindHeifTransforms({file.data(), n}), HeifTransforms::kPresent) << n;
  }
}

std::vector<uint8_t> Tiff(bool little_endian, uint16_t tag, uint16_t type, uint16_t value) {
  auto u16 = [&](std::vector<uint8_t>& b, uint16_t v) {
    if (little_endian) {
      b.push_back(uint8_t(v));
      b.push_back(uint8_t(v >> 8));
    } else {
      b.push_back(uint8_t(v >> 8));
      b.push_back(uint8_t(v));
    }
  };
  auto u32 = [&](std::vector<uint8_t>& b, uint32_t v) {
    if (little_endian) {
      u16(b, uint16_t(v));
      u16(b, uint16_t(v >> 16));
    } else {
      u16(b, uint16_t(v >> 16));
      u16(b, uint16_t(v));
    }
  };
  std::vector<uint8_t> b = {uint8_t(little_endian ? 'I' : 'M'), uint8_t(little_endian ? 'I' : 'M')};
  u16(b, 42);
  u32(b, 8);
  u16(b, 2);                 // two entries
  u16(b, 0x010F);            // Make, ASCII, 4 bytes inline
  u16(b, 2);
  u32(b, 4);
  b.insert(b.end(), {'A', 'B', 'C', 0});
  u16(b, tag);
  u16(b, type);
  u32(b, 1);
  u16(b, value);
  u16(b, 0);
  u32(b, 0);                 // no next IFD
  return b;
}

TEST(HeifOrientationTest, ExifIfd0Orientation) {
  for (bool le : {true, false}) {
    for (uint16_t o = 1; o <= 8; ++o) EXPECT_EQ(ExifIfd0Orientation(Tiff(le, 0x0112, 3, o)), o);
    EXPECT_EQ(ExifIfd0Orientation(Tiff(le, 0x0112, 3, 9)), 1);
    EXPECT_EQ(ExifIfd0Orientation(Tiff(le, 0x0112, 3, 0)), 1);
    EXPECT_EQ(ExifIfd0Orientation(Tiff(le, 0x0112, 4, 6)), 1);  // wrong type
    EXPECT_EQ(ExifIfd0Orientation(Tiff(le, 0x0110, 3, 6)), 1);  // absent
    std::vector<uint8_t> t = Tiff(le, 0x0112, 3, 6);
    for (size_t n = 0; n < t.size(); ++n) {
      const int o = ExifIfd0Orientation({t.data(), n});
      EXPECT_TRUE(o == 1 || o == 6) << n;
    }
  }
  EXPECT_EQ(ExifIfd0Orientation({}), 1);
}

}  // namespace
}  // namespace photoidx::image::internal
