// DecodeImage(): sniff the format from magic bytes, hand the bytes to the
// adapter that owns the codec, read EXIF, apply the orientation exactly once.
//
// Orientation rule: an adapter that already produced upright pixels (HEIF:
// libheif applies irot/imir; RAW: the adapter applies LibRaw's flip) sets
// AdapterOutput::orientation_applied and its pixels are left alone. Every
// other format gets the EXIF Orientation applied here, once.
#include "core/image/image.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <cerrno>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exiv2/exiv2.hpp>

#include "core/image/decoder_internal.h"
#include "core/image/exif_reader.h"
#include "core/image/orientation.h"

namespace photoidx::image {

namespace {

// ---------------------------------------------------------------- sniffing

bool StartsWith(std::span<const uint8_t> b, std::string_view magic, size_t at = 0) {
  return b.size() >= at + magic.size() && std::memcmp(b.data() + at, magic.data(), magic.size()) == 0;
}

uint32_t Be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// ISO BMFF 'ftyp' box: major brand at 8, compatible brands from 16 to the box end.
Format SniffFtyp(std::span<const uint8_t> b) {
  std::string_view major(reinterpret_cast<const char*>(b.data()) + 8, 4);
  if (major == "crx ") return Format::kRaw;  // Canon CR3
  if (major == "avif" || major == "avis") return Format::kAvif;
  static constexpr std::array<std::string_view, 8> kHeifBrands = {
      "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"};
  if (std::find(kHeifBrands.begin(), kHeifBrands.end(), major) != kHeifBrands.end()) {
    return Format::kHeif;
  }
  if (major != "mif1" && major != "msf1" && major != "mif2" && major != "miaf") {
    return Format::kUnknown;  // MP4/QuickTime video and friends
  }
  // Generic HEIF structure brand: the codec shows in the compatible brands.
  size_t end = std::min<size_t>(Be32(b.data()), b.size());
  for (size_t at = 16; at + 4 <= end; at += 4) {
    if (StartsWith(b, "avif", at) || StartsWith(b, "avis", at)) return Format::kAvif;
  }
  return Format::kHeif;
}

// Reads IFD0 of a TIFF file and decides whether it is a camera RAW (DNG,
// NEF, ARW, PEF, KDC, ...) or an ordinary TIFF picture. Camera RAW files keep
// a thumbnail in IFD0 (NewSubfileType 1) with the sensor data in SubIFDs, or
// tag themselves (DNGVersion), or store CFA / vendor-compressed data there.
class TiffSniffer {
 public:
  explicit TiffSniffer(std::span<const uint8_t> b) : b_(b), le_(b[0] == 'I') {}

  Format Sniff() const {
    if (StartsWith(b_, "CR\x02", 8)) return Format::kRaw;  // Canon CR2
    uint32_t ifd = U32(4);
    if (ifd < 8 || size_t(ifd) + 2 > b_.size()) return Format::kTiff;
    uint32_t count = U16(ifd);
    for (uint32_t i = 0; i < count; ++i) {
      size_t e = size_t(ifd) + 2 + size_t(i) * 12;
      if (e + 12 > b_.size()) break;  // IFD0 does not fit in the head
      if (IsRawEntry(U16(e), U16(e + 2), e + 8)) return Format::kRaw;
    }
    return Format::kTiff;
  }

 private:
  bool IsRawEntry(uint32_t tag, uint32_t type, size_t value_at) const {
    // SHORT values sit in the first two bytes of the 4-byte value field.
    uint32_t v = type == 3 ? U16(value_at) : U32(value_at);
    switch (tag) {
      case 0x00FE: return v == 1;                     // NewSubfileType: reduced image
      case 0x0102: return type == 3 && (v == 12 || v == 14);  // BitsPerSample
      case 0x0103: return IsRawCompression(v);        // Compression
      case 0x0106: return v == 32803 || v == 34892;   // Photometric: CFA, LinearRaw
      case 0x014A: return true;                       // SubIFDs
      case 0xC612: return true;                       // DNGVersion
      case 0xC634: return true;                       // DNGPrivateData (also Sony ARW)
      default: return false;
    }
  }
  static bool IsRawCompression(uint32_t c) {
    switch (c) {
      case 262: case 32767: case 32769: case 32770: case 32867:
      case 34713: case 34892: case 65000: case 65535:
        return true;
      default:
        return false;
    }
  }
  uint32_t U16(size_t at) const {
    if (at + 2 > b_.size()) return 0;
    return le_ ? uint32_t(b_[at]) | uint32_t(b_[at + 1]) << 8
               : uint32_t(b_[at]) << 8 | uint32_t(b_[at + 1]);
  }
  uint32_t U32(size_t at) const {
    if (at + 4 > b_.size()) return 0;
    return le_ ? U16(at) | U16(at + 2) << 16 : U16(at) << 16 | U16(at + 2);
  }

  std::span<const uint8_t> b_;
  bool le_;
};

bool LooksLikeBmp(std::span<const uint8_t> b) {
  if (!StartsWith(b, "BM") || b.size() < 18) return false;
  // DIB header sizes of the BMP versions in use (core, info, v2-v5).
  uint32_t dib = uint32_t(b[14]) | uint32_t(b[15]) << 8 | uint32_t(b[16]) << 16 | uint32_t(b[17]) << 24;
  return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124;
}

// ---------------------------------------------------------------- decoding

Result<internal::AdapterOutput> RunAdapter(Format format, std::span<const uint8_t> bytes,
                                           const DecodeOptions& options) {
  switch (format) {
    case Format::kJpeg: return internal::DecodeJpeg(bytes, options);
    case Format::kPng: return internal::DecodePng(bytes, options);
    case Format::kHeif:
    case Format::kAvif: return internal::DecodeHeif(bytes, options);
    case Format::kRaw: return internal::DecodeRaw(bytes, options);
    default:
      return Status::NotSupported(std::string(FormatName(format)) + ": format not supported");
  }
}

// Formats whose magic bytes say nothing: a plain TIFF may still be a RAW
// LibRaw knows, and a few RAW formats (Kodak, Casio, ...) have no magic at
// all and are recognised by LibRaw from their size.
Result<internal::AdapterOutput> DecodeByLibRaw(Format sniffed, std::span<const uint8_t> bytes,
                                               const DecodeOptions& options, Format* format) {
  Result<internal::AdapterOutput> raw = internal::DecodeRaw(bytes, options);
  if (raw.ok()) {
    *format = Format::kRaw;
    return raw;
  }
  if (sniffed == Format::kTiff) {
    return Status::NotSupported("tiff: not a camera RAW that LibRaw reads (" +
                                raw.status().message() + ")");
  }
  char magic[64];
  std::snprintf(magic, sizeof magic, "unknown format (first bytes %02x %02x %02x %02x)",
                bytes.size() > 0 ? bytes[0] : 0, bytes.size() > 1 ? bytes[1] : 0,
                bytes.size() > 2 ? bytes[2] : 0, bytes.size() > 3 ? bytes[3] : 0);
  return Status::NotSupported(magic);
}

// EXIF from the adapter's blob (HEIF items, PNG eXIf) or else from the file.
void ReadMetadataInto(std::span<const uint8_t> bytes, const internal::AdapterOutput& out,
                      Metadata* md) {
  Result<ExifInfo> exif = out.exif_tiff.empty()
                              ? ReadExifFromFile(bytes)
                              : ReadExifFromTiff(out.exif_tiff);
  if (!exif.ok()) {
    // A broken EXIF block never fails a good image: keep the pixels, say why
    // there is no metadata.
    md->warnings.push_back(exif.status().message());
    return;
  }
  md->orientation = exif->orientation >= 1 && exif->orientation <= 8 ? exif->orientation : 1;
  md->date_taken = std::move(exif->date_taken);
  md->make = std::move(exif->make);
  md->model = std::move(exif->model);
  md->lens = std::move(exif->lens);
  md->gps = exif->gps;
}

// POSIX read rather than iostreams: errors come back as errno, never as an
// exception (ifstream throws on reading a directory).
Status ReadWholeFile(const std::string& path, std::vector<uint8_t>* bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path, std::strerror(errno));
  struct stat st;
  Status status;
  if (::fstat(fd, &st) != 0) {
    status = Status::IOError(path, std::strerror(errno));
  } else if (!S_ISREG(st.st_mode)) {
    status = Status::IOError(path, "not a regular file");
  } else {
    bytes->resize(size_t(st.st_size));
    size_t done = 0;
    while (done < bytes->size()) {
      const ssize_t n = ::read(fd, bytes->data() + done, bytes->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = Status::IOError(path, std::strerror(errno));
        break;
      }
      if (n == 0) break;  // shrank while reading: decode what is there
      done += size_t(n);
    }
    bytes->resize(done);
  }
  ::close(fd);
  return status;
}

}  // namespace

namespace internal {
int64_t MaxPixels(const DecodeOptions& opt) {
  return opt.max_pixels > 0 ? opt.max_pixels : kDefaultMaxPixels;
}
}  // namespace internal

const char* FormatName(Format f) {
  switch (f) {
    case Format::kJpeg: return "jpeg";
    case Format::kPng: return "png";
    case Format::kHeif: return "heif";
    case Format::kAvif: return "avif";
    case Format::kRaw: return "raw";
    case Format::kWebp: return "webp";
    case Format::kTiff: return "tiff";
    case Format::kGif: return "gif";
    case Format::kBmp: return "bmp";
    case Format::kUnknown: break;
  }
  return "unknown";
}

Format SniffFormat(std::span<const uint8_t> b) {
  if (StartsWith(b, "\xFF\xD8\xFF")) return Format::kJpeg;
  // Only "\x89PNG": a signature mangled by a text-mode transfer (CR/LF
  // changes) then gets libpng's precise diagnosis instead of "unknown".
  if (StartsWith(b, "\x89PNG")) return Format::kPng;
  if (b.size() >= 12 && StartsWith(b, "ftyp", 4)) return SniffFtyp(b);
  if (StartsWith(b, "II*\0", 0) || StartsWith(b, std::string_view("MM\0*", 4))) {
    return TiffSniffer(b).Sniff();
  }
  // TIFF-like RAW headers with their own magic number.
  if (StartsWith(b, "IIRO") || StartsWith(b, "IIRS") || StartsWith(b, "MMOR")) return Format::kRaw;  // ORF
  if (StartsWith(b, std::string_view("IIU\0", 4))) return Format::kRaw;          // RW2, RWL
  if (StartsWith(b, std::string_view("II\x1A\0\0\0HEAPCCDR", 14))) return Format::kRaw;  // CRW
  if (StartsWith(b, "FUJIFILMCCD-RAW")) return Format::kRaw;                     // RAF
  if (StartsWith(b, "FOVb")) return Format::kRaw;                                // Sigma X3F
  if (StartsWith(b, std::string_view("\0MRM", 4))) return Format::kRaw;          // Minolta MRW
  if (StartsWith(b, "RIFF") && StartsWith(b, "WEBP", 8)) return Format::kWebp;
  if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return Format::kGif;
  if (LooksLikeBmp(b)) return Format::kBmp;
  return Format::kUnknown;
}

bool IsDecodable(Format f) {
  switch (f) {
    case Format::kJpeg:
    case Format::kPng:
    case Format::kHeif:
    case Format::kAvif:
    case Format::kRaw:
    case Format::kTiff:  // only when LibRaw reads it as a camera RAW
      return true;
    default:
      return false;
  }
}

void InitImageLibraries() {
  static std::once_flag once;
  std::call_once(once, [] {
    // exiv2 logs parse problems to stderr; the decoder reports them itself.
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize();
    // Without this exiv2 0.27 opens HEIF as QuickTime (no error, no EXIF).
    // The Debian build may lack BMFF support; HEIF EXIF comes from libheif.
    Exiv2::enableBMFF(true);
    internal::InitHeif();
    internal::InitRaw();
  });
}

Result<Decoded> DecodeImage(std::string_view name, std::span<const uint8_t> bytes,
                            const DecodeOptions& options) {
  // Nothing to sniff: not a format photoidx knows (as for any unknown bytes).
  if (bytes.empty()) return Status::NotSupported(name, "empty file");
  Format format = SniffFormat(bytes);
  Result<internal::AdapterOutput> out =
      format == Format::kTiff || format == Format::kUnknown
          ? DecodeByLibRaw(format, bytes, options, &format)
          : RunAdapter(format, bytes, options);
  if (!out.ok()) return out.status().WithContext(name);

  Decoded d;
  Metadata& md = d.metadata;
  md.format = format;
  md.warnings = std::move(out->warnings);
  ReadMetadataInto(bytes, *out, &md);
  if (out->orientation >= 1 && out->orientation <= 8) md.orientation = out->orientation;

  int w = out->full_width, h = out->full_height;
  if (!out->orientation_applied) {
    if (!out->image.empty()) ApplyExifOrientation(md.orientation, &out->image);
    if (OrientationSwapsAxes(md.orientation)) std::swap(w, h);
  }
  md.width = w;
  md.height = h;
  d.image = std::move(out->image);
  return d;
}

Result<Decoded> DecodeFile(const std::string& path, const DecodeOptions& options) {
  std::vector<uint8_t> bytes;
  PHOTOIDX_RETURN_IF_ERROR(ReadWholeFile(path, &bytes));
  return DecodeImage(path, bytes, options);
}

}  // namespace photoidx::image
