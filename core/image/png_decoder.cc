// PNG adapter: libpng's progressive-read API with a longjmp error handler.
//
// Output is RGB8 exactly as Pillow's img.convert("RGB") gives it: alpha and
// tRNS are dropped (not composited), gray is replicated, palettes expanded,
// 1/2/4-bit gray scaled to 0-255 and 16-bit samples reduced to their high
// byte. One deliberate difference: Pillow 9.4 opens 16-bit gray as mode "I"
// and convert("RGB") then clips values above 255 to white; we keep the high
// byte as for every other 16-bit type (what Pillow does for "I;16" and LA/RGB).
//
// Ancillary chunks photoidx has no use for (colour management, text, time,
// transparency) are skipped unparsed, so damage in them cannot fail a good
// image. CRC errors in critical chunks, zlib errors (Adler-32), truncation and
// invalid headers are Corruption. The eXIf chunk is kept for the EXIF reader.
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "core/image/decoder_internal.h"

namespace photoidx::image::internal {

namespace {

// Warnings kept per image: enough to say what was wrong.
constexpr size_t kMaxWarnings = 4;

// Chunks libpng knows but we do not need: handled as "unknown" and discarded.
constexpr png_byte kSkippedChunks[] =
    "bKGD\0cHRM\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0sPLT\0sRGB\0"
    "tEXt\0tIME\0tRNS\0zTXt";
constexpr int kNumSkippedChunks = 17;

class PngReader {
 public:
  PngReader(std::span<const uint8_t> bytes, const DecodeOptions& opt) : bytes_(bytes), opt_(opt) {}
  ~PngReader() {
    if (png_ != nullptr) png_destroy_read_struct(&png_, info_ != nullptr ? &info_ : nullptr, nullptr);
  }
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;

  Result<AdapterOutput> Run();

 private:
  static void ReadFn(png_structp png, png_bytep data, size_t length);
  static void ErrorFn(png_structp png, png_const_charp msg);
  static void WarningFn(png_structp png, png_const_charp msg);

  Status CheckHeader();
  void SetTransforms();
  void ReadPixels();
  void TakeExif();

  std::span<const uint8_t> bytes_;
  const DecodeOptions& opt_;
  size_t pos_ = 0;
  png_structp png_ = nullptr;
  png_infop info_ = nullptr;
  std::string error_;
  std::vector<png_bytep> rows_;
  AdapterOutput out_;
};

void PngReader::ReadFn(png_structp png, png_bytep data, size_t length) {
  auto* r = static_cast<PngReader*>(png_get_io_ptr(png));
  if (length > r->bytes_.size() - r->pos_) png_error(png, "unexpected end of file (truncated)");
  std::memcpy(data, r->bytes_.data() + r->pos_, length);
  r->pos_ += length;
}

void PngReader::ErrorFn(png_structp png, png_const_charp msg) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  r->error_ = msg != nullptr ? msg : "unknown error";
  png_longjmp(png, 1);
}

void PngReader::WarningFn(png_structp png, png_const_charp msg) {
  auto* r = static_cast<PngReader*>(png_get_error_ptr(png));
  std::string w = std::string("png: ") + (msg != nullptr ? msg : "warning");
  std::vector<std::string>& all = r->out_.warnings;
  if (all.size() < kMaxWarnings && std::find(all.begin(), all.end(), w) == all.end()) {
    all.push_back(std::move(w));
  }
}

Status PngReader::CheckHeader() {
  const int64_t w = png_get_image_width(png_, info_);
  const int64_t h = png_get_image_height(png_, info_);
  if (w <= 0 || h <= 0) return Status::Corruption("png: empty image");
  if (w * h > MaxPixels(opt_)) {
    return Status::NotSupported("png: image too large (" + std::to_string(w) + "x" +
                                std::to_string(h) + ")");
  }
  out_.full_width = int(w);
  out_.full_height = int(h);
  return Status::OK();
}

void PngReader::SetTransforms() {
  png_set_expand(png_);       // palette -> RGB, gray 1/2/4 -> 8 bits (scaled)
  png_set_strip_16(png_);     // 16 -> 8 bits: keep the high byte
  png_set_strip_alpha(png_);  // drop alpha, do not composite
  png_set_gray_to_rgb(png_);
  png_set_interlace_handling(png_);
  png_read_update_info(png_, info_);
}

void PngReader::ReadPixels() {
  Image& img = out_.image;
  img.width = out_.full_width;
  img.height = out_.full_height;
  if (png_get_rowbytes(png_, info_) != size_t(img.width) * 3) {
    png_error(png_, "unexpected row size after RGB8 conversion");
  }
  img.pixels.resize(size_t(img.width) * img.height * 3);
  rows_.resize(size_t(img.height));
  for (int y = 0; y < img.height; ++y) rows_[size_t(y)] = img.pixels.data() + size_t(y) * img.width * 3;
  png_read_image(png_, rows_.data());
  // Reads the chunks after IDAT: a truncated file or a bad CRC there fails,
  // and an eXIf chunk written after the pixels is picked up.
  png_read_end(png_, info_);
}

void PngReader::TakeExif() {
  png_uint_32 size = 0;
  png_bytep exif = nullptr;
  if (png_get_eXIf_1(png_, info_, &size, &exif) != 0 && exif != nullptr && size > 0) {
    out_.exif_tiff.assign(exif, exif + size);
  }
}

Result<AdapterOutput> PngReader::Run() {
  png_ = png_create_read_struct(PNG_LIBPNG_VER_STRING, this, ErrorFn, WarningFn);
  if (png_ == nullptr) return Status::OutOfMemory("png: cannot create decoder");
  info_ = png_create_info_struct(png_);
  if (info_ == nullptr) return Status::OutOfMemory("png: cannot create decoder");
  // libpng errors longjmp back here; members hold all state.
  if (setjmp(png_jmpbuf(png_))) return Status::Corruption("png: " + error_);
  png_set_read_fn(png_, this, ReadFn);
  png_set_keep_unknown_chunks(png_, PNG_HANDLE_CHUNK_NEVER, kSkippedChunks, kNumSkippedChunks);
  png_read_info(png_, info_);
  PHOTOIDX_RETURN_IF_ERROR(CheckHeader());
  if (!opt_.metadata_only) {
    SetTransforms();
    ReadPixels();
  }
  TakeExif();
  return std::move(out_);
}

}  // namespace

Result<AdapterOutput> DecodePng(std::span<const uint8_t> bytes, const DecodeOptions& opt) {
  if (bytes.empty()) return Status::Corruption("png: empty file");
  PngReader reader(bytes, opt);
  return reader.Run();
}

}  // namespace photoidx::image::internal
