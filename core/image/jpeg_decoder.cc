// JPEG adapter: libjpeg-turbo's libjpeg API with a longjmp error manager.
//
// Output bytes equal Pillow's decode (img.convert("RGB")) at full size: the
// default decompression settings are kept (ISLOW IDCT, fancy upsampling),
// grayscale is replicated by libjpeg's gray->RGB conversion and CMYK/YCCK is
// converted with Pillow's formula (see CmykRowToRgb).
//
// libjpeg reports damaged data as *warnings* and keeps going: a truncated
// file decodes "successfully" with a flat grey bottom. This adapter turns
// warnings into errors as follows:
//   * JWRN_JPEG_EOF (premature end of data) anywhere: Corruption, truncated.
//   * any other warning once decompression has started (bad Huffman code,
//     lost sync, extraneous bytes inside the entropy-coded data): Corruption,
//     the pixels are damaged.
//   * warnings while reading the header (junk bytes between markers, odd APPn
//     segments) are tolerated: the pixel data is not affected. The first one
//     is reported in AdapterOutput::warnings.
// jpeg_finish_decompress() is never called: what follows the last scanline
// (trailing garbage, an MPO's second picture) does not matter.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

#include "core/image/decoder_internal.h"

namespace photoidx::image::internal {

namespace {

// Progressive files with thousands of tiny scans decode very slowly
// (a known denial of service); real encoders write at most a few dozen.
constexpr int kMaxScans = 500;

struct ErrorManager {
  jpeg_error_mgr pub;  // must stay first: libjpeg hands out &pub
  jmp_buf jump;
  bool decompressing = false;   // set after jpeg_read_header()
  int error_code = 0;           // the fatal error, when longjmp'd
  std::string error;            // its formatted message
  bool truncated = false;       // JWRN_JPEG_EOF seen
  std::string damaged;          // first warning seen while decompressing
  std::string header_warning;   // first warning while reading the header
};

std::string FormatMessage(j_common_ptr cinfo) {
  char buf[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, buf);
  std::string s(buf);
  // libjpeg capitalises its messages; ours continue a "jpeg: " prefix.
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z' && !(s.size() > 1 && s[1] >= 'A' && s[1] <= 'Z')) {
    s[0] = char(s[0] - 'A' + 'a');
  }
  return s;
}

[[noreturn]] void ErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  err->error_code = cinfo->err->msg_code;
  err->error = FormatMessage(cinfo);
  std::longjmp(err->jump, 1);
}

void EmitMessage(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;  // trace messages
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  int code = cinfo->err->msg_code;
  if (code == JWRN_JPEG_EOF) {
    err->truncated = true;
  } else if (!err->decompressing) {
    if (err->header_warning.empty()) err->header_warning = FormatMessage(cinfo);
  } else if (err->damaged.empty()) {
    // Padding between the last scan and EOI does not touch the pixels.
    bool before_eoi = code == JWRN_EXTRANEOUS_DATA && cinfo->err->msg_parm.i[1] == 0xD9;
    if (!before_eoi) err->damaged = FormatMessage(cinfo);
  }
  cinfo->err->num_warnings++;
  // Once the pixels are known to be damaged, decoding the rest is wasted
  // work (a broken file can emit thousands of warnings): stop here.
  if (err->decompressing && (err->truncated || !err->damaged.empty())) {
    err->error_code = code;
    err->error = err->damaged;
    std::longjmp(err->jump, 1);
  }
}

void ProgressMonitor(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    err->error_code = JERR_NOTIMPL;
    err->error = "more than " + std::to_string(kMaxScans) + " progressive scans";
    std::longjmp(err->jump, 1);
  }
}

// Pillow reads every CMYK JPEG as "CMYK;I" (Adobe's inverted convention,
// which libjpeg's YCCK->CMYK conversion also produces) and converts with
// Convert.c cmyk2rgb: nk = 255 - K; R = nk - nk * C / 255 (rounded), where
// C, K are the un-inverted values.
void CmykRowToRgb(const uint8_t* in, int width, uint8_t* out) {
  for (int x = 0; x < width; ++x, in += 4, out += 3) {
    int nk = in[3];  // 255 - (255 - stored K)
    for (int c = 0; c < 3; ++c) {
      int tmp = (255 - in[c]) * nk + 128;
      int v = nk - (((tmp >> 8) + tmp) >> 8);
      out[c] = uint8_t(v < 0 ? 0 : v);
    }
  }
}

// Largest DCT scale 1/8, 1/4 or 1/2 that keeps the shorter side >= min_side.
int ScaleDenominator(int width, int height, int min_side) {
  if (min_side <= 0) return 1;
  int shorter = width < height ? width : height;
  for (int denom : {8, 4, 2}) {
    if ((shorter + denom - 1) / denom >= min_side) return denom;
  }
  return 1;
}

class JpegReader {
 public:
  JpegReader(std::span<const uint8_t> bytes, const DecodeOptions& opt) : bytes_(bytes), opt_(opt) {}
  ~JpegReader() {
    if (created_) jpeg_destroy_decompress(&cinfo_);
  }
  JpegReader(const JpegReader&) = delete;
  JpegReader& operator=(const JpegReader&) = delete;

  Result<AdapterOutput> Run();

 private:
  Status Failure() const;
  Status CheckHeader();
  void ConfigureOutput();
  bool ReadPixels();

  std::span<const uint8_t> bytes_;
  const DecodeOptions& opt_;
  jpeg_decompress_struct cinfo_{};
  ErrorManager err_;
  jpeg_progress_mgr progress_{};
  bool created_ = false;
  std::vector<uint8_t> cmyk_row_;
  AdapterOutput out_;
};

Status JpegReader::Failure() const {
  if (err_.truncated) return Status::Corruption("jpeg: premature end of data (file truncated)");
  const std::string msg = "jpeg: " + err_.error;
  switch (err_.error_code) {
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOTIMPL:
    case JERR_ARITH_NOTIMPL:
    case JERR_NO_BACKING_STORE:
    case JERR_OUT_OF_MEMORY:
      return Status::NotSupported(msg);
    default:
      return Status::Corruption(msg);
  }
}

Status JpegReader::CheckHeader() {
  const int64_t pixels = int64_t(cinfo_.image_width) * cinfo_.image_height;
  if (pixels <= 0) return Status::Corruption("jpeg: empty image");
  if (pixels > MaxPixels(opt_)) {
    return Status::NotSupported("jpeg: image too large (" + std::to_string(cinfo_.image_width) +
                                "x" + std::to_string(cinfo_.image_height) + ")");
  }
  if (cinfo_.num_components != 1 && cinfo_.num_components != 3 && cinfo_.num_components != 4) {
    return Status::NotSupported("jpeg: " + std::to_string(cinfo_.num_components) + " components");
  }
  return Status::OK();
}

void JpegReader::ConfigureOutput() {
  // Defaults stay as they are (JDCT_ISLOW, do_fancy_upsampling) for parity.
  cinfo_.out_color_space = cinfo_.num_components == 4 ? JCS_CMYK : JCS_RGB;
  int denom = ScaleDenominator(int(cinfo_.image_width), int(cinfo_.image_height), opt_.min_side);
  cinfo_.scale_num = 1;
  cinfo_.scale_denom = unsigned(denom);
}

// Returns false when libjpeg stops handing out rows (cannot happen with a
// memory source, but a loop that never ends would be worse).
bool JpegReader::ReadPixels() {
  Image& img = out_.image;
  img.width = int(cinfo_.output_width);
  img.height = int(cinfo_.output_height);
  img.pixels.resize(size_t(img.width) * img.height * 3);
  const bool cmyk = cinfo_.out_color_space == JCS_CMYK;
  if (cmyk) cmyk_row_.resize(size_t(img.width) * 4);
  while (cinfo_.output_scanline < cinfo_.output_height) {
    uint8_t* dst = img.pixels.data() + size_t(cinfo_.output_scanline) * img.width * 3;
    JSAMPROW row = cmyk ? cmyk_row_.data() : dst;
    if (jpeg_read_scanlines(&cinfo_, &row, 1) != 1) return false;
    if (cmyk) CmykRowToRgb(cmyk_row_.data(), img.width, dst);
  }
  return true;
}

Result<AdapterOutput> JpegReader::Run() {
  cinfo_.err = jpeg_std_error(&err_.pub);
  err_.pub.error_exit = ErrorExit;
  err_.pub.emit_message = EmitMessage;
  // Everything below may longjmp back here; no object with a destructor is
  // created between this point and the libjpeg calls except members.
  if (setjmp(err_.jump)) return Failure();
  jpeg_create_decompress(&cinfo_);
  created_ = true;
  progress_.progress_monitor = ProgressMonitor;
  cinfo_.progress = &progress_;
  // Caps libjpeg's whole-image buffers (progressive coefficients, up to
  // 8 bytes per pixel for CMYK); above it libjpeg fails with "backing store".
  cinfo_.mem->max_memory_to_use = long(MaxPixels(opt_) * 8 + (64 << 20));
  jpeg_mem_src(&cinfo_, bytes_.data(), static_cast<unsigned long>(bytes_.size()));
  jpeg_read_header(&cinfo_, TRUE);
  PHOTOIDX_RETURN_IF_ERROR(CheckHeader());
  out_.full_width = int(cinfo_.image_width);
  out_.full_height = int(cinfo_.image_height);
  if (!err_.header_warning.empty()) out_.warnings.push_back("jpeg: " + err_.header_warning);
  if (opt_.metadata_only) return std::move(out_);

  ConfigureOutput();
  err_.decompressing = true;
  jpeg_start_decompress(&cinfo_);
  if (!ReadPixels()) return Status::Corruption("jpeg: decoder stopped early");
  if (err_.truncated) return Status::Corruption("jpeg: premature end of data (file truncated)");
  if (!err_.damaged.empty()) return Status::Corruption("jpeg: " + err_.damaged);
  return std::move(out_);
}

}  // namespace

Result<AdapterOutput> DecodeJpeg(std::span<const uint8_t> bytes, const DecodeOptions& opt) {
  if (bytes.empty()) return Status::Corruption("jpeg: empty file");
  JpegReader reader(bytes, opt);
  return reader.Run();
}

}  // namespace photoidx::image::internal
