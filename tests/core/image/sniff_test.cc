// SniffFormat(): formats come from magic bytes, never from the file name.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/image/image.h"
#include "tests/testutil.h"

namespace photoidx::image {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// An ISO BMFF 'ftyp' box with the given major and compatible brands.
std::vector<uint8_t> Ftyp(std::string_view major, std::vector<std::string_view> compatible) {
  std::string box(4, '\0');
  box += "ftyp";
  box += major;
  box += std::string(4, '\0');  // minor version
  for (std::string_view c : compatible) box += c;
  box[3] = char(box.size());
  return Bytes(box);
}

// A little-endian TIFF header with IFD0 at offset 8 holding `entries`
// (tag, type, value) as SHORT/LONG values.
std::vector<uint8_t> Tiff(std::vector<std::array<uint32_t, 3>> entries) {
  std::vector<uint8_t> b = {'I', 'I', 42, 0, 8, 0, 0, 0};
  auto put16 = [&](uint32_t v) { b.push_back(uint8_t(v)); b.push_back(uint8_t(v >> 8)); };
  auto put32 = [&](uint32_t v) { put16(v & 0xFFFF); put16(v >> 16); };
  put16(uint32_t(entries.size()));
  for (const auto& [tag, type, value] : entries) {
    put16(tag);
    put16(type);
    put32(1);
    put32(value);  // SHORT values sit in the low two bytes (little endian)
  }
  put32(0);
  return b;
}

struct HeadCase {
  const char* name;
  std::vector<uint8_t> head;
  Format expected;
};

TEST(SniffFormatTest, MagicBytes) {
  const std::vector<HeadCase> cases = {
      {"jpeg", Bytes("\xFF\xD8\xFF\xE0\0\x10JFIF"), Format::kJpeg},
      {"png", Bytes("\x89PNG\r\n\x1A\n\0\0\0\rIHDR"), Format::kPng},
      {"png mangled by CR/LF conversion", Bytes("\x89PNG\r\r\n\x1A\n"), Format::kPng},
      {"heic", Ftyp("heic", {"mif1", "heic"}), Format::kHeif},
      {"heix", Ftyp("heix", {"mif1"}), Format::kHeif},
      {"hevc sequence", Ftyp("hevc", {"msf1"}), Format::kHeif},
      {"mif1 + heic", Ftyp("mif1", {"heic"}), Format::kHeif},
      {"msf1", Ftyp("msf1", {"hevc"}), Format::kHeif},
      {"avif", Ftyp("avif", {"mif1", "miaf"}), Format::kAvif},
      {"avis", Ftyp("avis", {"msf1"}), Format::kAvif},
      {"mif1 + avif", Ftyp("mif1", {"miaf", "avif"}), Format::kAvif},
      {"cr3", Ftyp("crx ", {"isom"}), Format::kRaw},
      {"mp4 video", Ftyp("isom", {"mp41"}), Format::kUnknown},
      {"quicktime", Ftyp("qt  ", {}), Format::kUnknown},
      {"cr2", Bytes(std::string("II*\0\x10\0\0\0CR\x02\0", 12)), Format::kRaw},
      {"orf", Bytes(std::string("IIRO\x08\0\0\0", 8)), Format::kRaw},
      {"rw2", Bytes(std::string("IIU\0\x08\0\0\0", 8)), Format::kRaw},
      {"crw", Bytes(std::string("II\x1A\0\0\0HEAPCCDR", 14)), Format::kRaw},
      {"raf", Bytes("FUJIFILMCCD-RAW 0201"), Format::kRaw},
      {"x3f", Bytes("FOVb\0\0\0\0"), Format::kRaw},
      {"mrw", Bytes(std::string("\0MRM\0\0\0\0", 8)), Format::kRaw},
      {"webp", Bytes(std::string("RIFF\0\0\0\0WEBPVP8 ", 16)), Format::kWebp},
      {"riff wave", Bytes(std::string("RIFF\0\0\0\0WAVEfmt ", 16)), Format::kUnknown},
      {"gif87", Bytes("GIF87a"), Format::kGif},
      {"gif89", Bytes("GIF89a"), Format::kGif},
      {"bmp", Bytes(std::string("BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0", 18)), Format::kBmp},
      {"text starting with BM", Bytes("BMW drivers manual"), Format::kUnknown},
      {"text", Bytes("PngSuite licence"), Format::kUnknown},
      {"exiv2 sidecar", Bytes("\xFF\x01" "Exiv2"), Format::kUnknown},
      {"empty", {}, Format::kUnknown},
      {"two bytes of jpeg", Bytes("\xFF\xD8"), Format::kUnknown},
  };
  for (const HeadCase& c : cases) {
    EXPECT_EQ(SniffFormat(c.head), c.expected) << c.name << ": got " << FormatName(SniffFormat(c.head));
  }
}

TEST(SniffFormatTest, TiffIfd0DecidesRawOrPlainTiff) {
  // Plain RGB TIFF: width, height, 8-bit, uncompressed, RGB.
  EXPECT_EQ(SniffFormat(Tiff({{0x100, 3, 64}, {0x101, 3, 64}, {0x102, 3, 8}, {0x103, 3, 1},
                              {0x106, 3, 2}})),
            Format::kTiff);
  // NEF/ARW style: IFD0 is a reduced-resolution thumbnail.
  EXPECT_EQ(SniffFormat(Tiff({{0xFE, 4, 1}, {0x100, 3, 160}})), Format::kRaw);
  // DNG with the main image in IFD0 (NewSubfileType 0) but a DNGVersion tag.
  EXPECT_EQ(SniffFormat(Tiff({{0xFE, 4, 0}, {0x100, 3, 5976}, {0xC612, 1, 0x01040000}})),
            Format::kRaw);
  EXPECT_EQ(SniffFormat(Tiff({{0x106, 3, 32803}})), Format::kRaw);  // CFA
  EXPECT_EQ(SniffFormat(Tiff({{0x102, 3, 14}})), Format::kRaw);     // 14-bit samples
  EXPECT_EQ(SniffFormat(Tiff({{0x103, 3, 65535}})), Format::kRaw);  // vendor compression
  EXPECT_EQ(SniffFormat(Tiff({{0x14A, 4, 1234}})), Format::kRaw);   // SubIFDs
  // IFD0 offset outside the head: nothing to read, a TIFF.
  std::vector<uint8_t> far = {'M', 'M', 0, 42, 0, 1, 0, 0};
  EXPECT_EQ(SniffFormat(far), Format::kTiff);
}

TEST(SniffFormatTest, CorpusFilesByContent) {
  struct FileCase {
    const char* path;
    Format expected;
  };
  const FileCase cases[] = {
      {"images/jpeg/baseline_420_testorig.jpg", Format::kJpeg},
      {"images/other/mpo_nintendo3ds.mpo", Format::kJpeg},
      {"images/png/photo_rgb8.png", Format::kPng},
      {"images/corrupt/misnamed/jpeg_named_as.heic", Format::kJpeg},
      {"images/corrupt/misnamed/jpeg_named_as.png", Format::kJpeg},
      {"images/corrupt/jpeg/text_file_named.jpg", Format::kUnknown},
      {"images/corrupt/jpeg/exv_sidecar_named.jpg", Format::kUnknown},
      {"images/corrupt/pngsuite/xs1n0g01.png", Format::kUnknown},  // signature byte 1 broken
      {"images/corrupt/pngsuite/xcrn0g04.png", Format::kPng},      // CR added after "\x89PNG"
      {"images/other/webp_alpha.webp", Format::kWebp},
      {"images/other/gif_palette.gif", Format::kGif},
      {"images/other/tiff_rgb16.tiff", Format::kTiff},
  };
  for (const FileCase& c : cases) {
    std::vector<uint8_t> bytes = test::ReadFileBytes(test::DataPath(c.path));
    EXPECT_EQ(SniffFormat(bytes), c.expected) << c.path;
    // The head the scanner reads is enough.
    if (bytes.size() > kSniffHeadBytes) bytes.resize(kSniffHeadBytes);
    EXPECT_EQ(SniffFormat(bytes), c.expected) << c.path << " (first " << kSniffHeadBytes << " bytes)";
  }
}

TEST(SniffFormatTest, NamesAndDecodability) {
  EXPECT_STREQ(FormatName(Format::kJpeg), "jpeg");
  EXPECT_STREQ(FormatName(Format::kPng), "png");
  EXPECT_STREQ(FormatName(Format::kHeif), "heif");
  EXPECT_STREQ(FormatName(Format::kAvif), "avif");
  EXPECT_STREQ(FormatName(Format::kRaw), "raw");
  EXPECT_STREQ(FormatName(Format::kWebp), "webp");
  EXPECT_STREQ(FormatName(Format::kTiff), "tiff");
  EXPECT_STREQ(FormatName(Format::kGif), "gif");
  EXPECT_STREQ(FormatName(Format::kBmp), "bmp");
  EXPECT_STREQ(FormatName(Format::kUnknown), "unknown");
  for (Format f : {Format::kJpeg, Format::kPng, Format::kHeif, Format::kAvif, Format::kRaw,
                   Format::kTiff}) {
    EXPECT_TRUE(IsDecodable(f)) << FormatName(f);
  }
  for (Format f : {Format::kWebp, Format::kGif, Format::kBmp, Format::kUnknown}) {
    EXPECT_FALSE(IsDecodable(f)) << FormatName(f);
  }
}

}  // namespace
}  // namespace photoidx::image
