// Camera RAW and DNG adapter (LibRaw 0.20, thread-safe libraw_r).
//
// One heap-allocated LibRaw per call (the object is 766 KB) reading from the
// caller's buffer. Two ways to pixels, cheapest first:
//   1. the embedded preview: unpack_thumb() + a (DCT-scaled) TurboJPEG decode
//      (or LibRaw's bitmap for bitmap thumbnails), 2-3 ms. Previews are stored
//      unrotated, so imgdata.sizes.flip is applied here.
//   2. half-size processing: half_size=1 (each 2x2 Bayer cell becomes one
//      pixel: no demosaicing), use_camera_wb=1, output_bps=8, 15-100 ms. LibRaw
//      applies flip itself.
// Which one: the preview is used when its shorter side is >= `need`, where
// need = min(min_side, half the sensor's shorter side) for min_side > 0 and
// half the sensor's shorter side for min_side == 0. So a full-resolution
// request (min_side == 0) gets at least as many pixels as half-size
// processing would give: photoidx wants a usable upright picture for CLIP and
// BLIP (224-384 px), and a full AHD demosaic (1-3 s for 24 MP) buys nothing
// there. A preview that fails to decode or looks implausible falls back to 2.
//
// Broken files that LibRaw "decodes" without error (see the images MANIFEST)
// are caught, in this order, by: raw data extents checked against the file
// size before any unpacking, so also on the preview path (the pruned iPhone
// DNG's tile offsets point 28 MB into a 64 KB file; a DNG cut inside its
// tiles), a floor of 0.25 bit per sensor pixel for the whole file
// (metadata-only DNG/NEF/CRW with 18-22 bytes of raw data for 4-8 MP), then
// while processing the data-error callback (the NEF would trigger it) and an
// all-black / all-white check of the output. metadata_only runs the static
// checks too, so `info` and `build` agree on which files are broken.
// Known library behaviour: LibRaw's own libjpeg use (lossy DNG tiles) prints
// "Corrupt JPEG data" to stderr and leaks about 4 KB on damaged tiles.
#include <libraw/libraw.h>
#include <turbojpeg.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "core/image/orientation.h"
#include "core/image/plausibility.h"
#include "core/image/raw_decoder.h"

namespace photoidx::image::internal {
namespace {

// Every real RAW stores at least ~2 bits per sensor pixel (lossy DNG about
// 2.5, Kodak DC50 about 1.9); 0.25 leaves a wide margin.
constexpr int64_t kMinPixelsPerFileByte = 32;
// A preview whose aspect ratio differs more than this from the sensor's is a
// different picture (or already rotated); do not use it.
constexpr double kMaxPreviewAspectRatio = 1.5;

struct LibRawFree {
  void operator()(LibRaw* r) const {
    r->recycle();
    delete r;
  }
};
struct MemImageFree {
  void operator()(libraw_processed_image_t* p) const { LibRaw::dcraw_clear_mem(p); }
};
struct TjFree {
  void operator()(void* h) const { tjDestroy(h); }
};
using LibRawPtr = std::unique_ptr<LibRaw, LibRawFree>;
using MemImagePtr = std::unique_ptr<libraw_processed_image_t, MemImageFree>;
using TjPtr = std::unique_ptr<void, TjFree>;

// Filled by LibRaw's callbacks (which would otherwise print to stderr).
struct DataErrors {
  int count = 0;
  int first_offset = 0;
};

void OnDataError(void* data, const char* /*file*/, const int offset) {
  auto* errors = static_cast<DataErrors*>(data);
  if (errors->count++ == 0) errors->first_offset = offset;
}

void OnMemoryError(void* /*data*/, const char* /*file*/, const char* /*where*/) {}

Status FromLibRawError(int code, const char* stage) {
  if (code == LIBRAW_FILE_UNSUPPORTED) {
    return Status::NotSupported(std::string("raw: unsupported RAW format (") +
                                libraw_strerror(code) + ")");
  }
  return Status::Corruption(std::string("raw: ") + stage + ": " + libraw_strerror(code));
}

Status CheckDataErrors(const DataErrors& errors, LibRaw& raw) {
  if (errors.count == 0 && raw.error_count() == 0) return Status::OK();
  return Status::Corruption("raw: corrupt raw data (first error at offset " +
                            std::to_string(errors.first_offset) + ")");
}

// LibRaw's flip (dcraw: bit 4 transpose, bit 2 flip rows, bit 1 flip
// columns) as the EXIF orientation that describes the same transform. dcraw
// maps EXIF o to flip "50132467"[o & 7]; this is the inverse.
int FlipToExifOrientation(int flip) {
  static constexpr int kExif[8] = {1, 2, 4, 3, 5, 8, 6, 7};
  return flip >= 0 && flip < 8 ? kExif[flip] : 1;
}

// Size of LibRaw's full-size dcraw_process output after flip (what
// adjust_sizes_info_only() computes, without mutating the object).
std::pair<int, int> FullOutputSize(LibRaw& raw) {
  const libraw_image_sizes_t& s = raw.imgdata.sizes;
  double w = s.width;
  double h = s.height;
  const int fuji_width = raw.get_internal_data_pointer()->internal_output_params.fuji_width;
  if (fuji_width > 0) {
    w = fuji_width / std::sqrt(0.5);
    h = (s.height - fuji_width) / std::sqrt(0.5);
  } else if (s.pixel_aspect > 0 && s.pixel_aspect < 0.995) {
    h = h / s.pixel_aspect + 0.5;
  } else if (s.pixel_aspect > 1.005) {
    w = w * s.pixel_aspect + 0.5;
  }
  int iw = int(w);
  int ih = int(h);
  if (s.flip & 4) std::swap(iw, ih);
  return {iw, ih};
}

uint32_t ReadU16(std::span<const uint8_t> bytes, size_t at, bool little_endian) {
  const uint8_t* p = bytes.data() + at;
  return little_endian ? uint32_t(p[0]) | uint32_t(p[1]) << 8 : uint32_t(p[0]) << 8 | p[1];
}

uint32_t ReadU32(std::span<const uint8_t> bytes, size_t at, bool little_endian) {
  return little_endian ? ReadU16(bytes, at, true) | ReadU16(bytes, at + 2, true) << 16
                       : ReadU16(bytes, at, false) << 16 | ReadU16(bytes, at + 2, false);
}

// True when every tile i lies inside the file: offset[i] + count[i] <= size,
// reading the counts table with entries of `width` bytes (2 or 4).
bool TilesFit(std::span<const uint8_t> bytes, uint64_t offsets, uint64_t counts, uint64_t tiles,
              int width, bool le) {
  if (counts + tiles * uint64_t(width) > bytes.size()) return false;
  for (uint64_t i = 0; i < tiles; ++i) {
    const uint64_t offset = ReadU32(bytes, size_t(offsets + i * 4), le);
    const size_t at = size_t(counts + i * uint64_t(width));
    const uint64_t count = width == 4 ? ReadU32(bytes, at, le) : ReadU16(bytes, at, le);
    if (count == 0 || offset + count > bytes.size()) return false;
  }
  return true;
}

// Tiled TIFF/DNG raw data. With more than one tile LibRaw's data_offset is
// the TileOffsets table (LONG) and data_size the TileByteCounts table, whose
// type (SHORT or LONG) LibRaw does not keep: the counts pass if either
// reading puts every tile inside the file. A truncated file fails both (read
// as SHORT, little LONG counts give zeros).
Status CheckTiles(LibRaw& raw, std::span<const uint8_t> bytes) {
  const unpacker_data_t& u = raw.get_internal_data_pointer()->unpacker_data;
  const libraw_image_sizes_t& s = raw.imgdata.sizes;
  const uint64_t across = (uint64_t(s.raw_width) + u.tile_width - 1) / u.tile_width;
  const uint64_t down = (uint64_t(s.raw_height) + u.tile_length - 1) / u.tile_length;
  const uint64_t tiles = across * down;
  if (tiles <= 1) return Status::OK();
  const uint64_t table = uint64_t(u.data_offset);
  if (table + tiles * 4 > bytes.size()) {
    return Status::Corruption("raw: tile offset table lies outside the file");
  }
  const bool le = u.order == 0x4949;
  for (uint64_t i = 0; i < tiles; ++i) {
    const uint32_t offset = ReadU32(bytes, size_t(table + i * 4), le);
    if (offset >= bytes.size()) {
      return Status::Corruption("raw: raw data tile " + std::to_string(i) + " starts at byte " +
                                std::to_string(offset) + ", past the end of the " +
                                std::to_string(bytes.size()) + "-byte file");
    }
  }
  const uint64_t counts = u.data_size;
  if (counts > 0 && !TilesFit(bytes, table, counts, tiles, 4, le) &&
      !TilesFit(bytes, table, counts, tiles, 2, le)) {
    return Status::Corruption("raw: raw data tiles extend past the end of the " +
                              std::to_string(bytes.size()) + "-byte file (truncated?)");
  }
  return Status::OK();
}

// Static checks of the raw data against the file, before any unpacking. The
// specific checks (offsets and tiles) run first so that their reason is the
// one reported; the bits-per-pixel floor catches what they cannot see.
Status CheckRawExtent(LibRaw& raw, std::span<const uint8_t> bytes, const DecodeOptions& opt) {
  const libraw_image_sizes_t& s = raw.imgdata.sizes;
  const int64_t sensor = int64_t(s.raw_width) * s.raw_height;
  if (sensor > MaxPixels(opt)) {
    return Status::NotSupported("raw: sensor too large (" + std::to_string(s.raw_width) + "x" +
                                std::to_string(s.raw_height) + ")");
  }
  const unpacker_data_t& u = raw.get_internal_data_pointer()->unpacker_data;
  if (u.data_offset < 0 || uint64_t(u.data_offset) > bytes.size()) {
    return Status::Corruption("raw: raw data starts past the end of the file");
  }
  const bool tiled = u.tile_width > 0 && u.tile_width < INT_MAX && u.tile_length > 0 &&
                     u.tile_length < INT_MAX;
  if (tiled) {
    PHOTOIDX_RETURN_IF_ERROR(CheckTiles(raw, bytes));
  } else if (u.data_size > 0 && uint64_t(u.data_offset) + u.data_size > bytes.size()) {
    return Status::Corruption("raw: raw data extends past the end of the file");
  }
  if (int64_t(bytes.size()) * kMinPixelsPerFileByte < sensor) {
    return Status::Corruption("raw: file of " + std::to_string(bytes.size()) +
                              " bytes is too small to hold a " + std::to_string(s.raw_width) + "x" +
                              std::to_string(s.raw_height) + " sensor image");
  }
  return Status::OK();
}

// Decodes a preview JPEG to RGB, DCT-scaled to the smallest size whose
// shorter side is still >= min_side (no scaling when min_side == 0).
std::optional<Image> DecodePreviewJpeg(std::span<const uint8_t> jpeg, int min_side) {
  TjPtr tj(tjInitDecompress());
  if (!tj || jpeg.empty()) return std::nullopt;
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  unsigned char* src = const_cast<unsigned char*>(jpeg.data());  // read only
  if (tjDecompressHeader3(tj.get(), src, jpeg.size(), &w, &h, &subsamp, &colorspace) != 0) {
    return std::nullopt;
  }
  if (w <= 0 || h <= 0 || colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) return std::nullopt;
  int n = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&n);
  int sw = w, sh = h;
  for (int i = 0; min_side > 0 && factors != nullptr && i < n; ++i) {
    const int cw = TJSCALED(w, factors[i]);
    const int ch = TJSCALED(h, factors[i]);
    if (std::min(cw, ch) >= min_side && long(cw) * ch < long(sw) * sh) {
      sw = cw;
      sh = ch;
    }
  }
  Image img;
  img.width = sw;
  img.height = sh;
  img.pixels.resize(size_t(sw) * size_t(sh) * 3);
  // Any error, including the TJERR_WARNING of a truncated stream (which
  // leaves grey rows), rejects the preview.
  if (tjDecompress2(tj.get(), src, jpeg.size(), img.pixels.data(), sw, sw * 3, sh, TJPF_RGB, 0) !=
      0) {
    return std::nullopt;
  }
  return img;
}

std::optional<Image> BitmapPreview(LibRaw& raw) {
  int rc = 0;
  MemImagePtr mem(raw.dcraw_make_mem_thumb(&rc));
  if (rc != LIBRAW_SUCCESS || !mem || mem->type != LIBRAW_IMAGE_BITMAP || mem->colors != 3 ||
      mem->bits != 8 || size_t(mem->width) * mem->height * 3 > mem->data_size) {
    return std::nullopt;
  }
  Image img;
  img.width = mem->width;
  img.height = mem->height;
  img.pixels.assign(mem->data, mem->data + size_t(img.width) * size_t(img.height) * 3);
  return img;
}

// The upright embedded preview, or nullopt when there is none that is large
// enough, it does not decode, or it looks implausible.
std::optional<Image> TryPreview(LibRaw& raw, int need, int min_side, int orientation) {
  if (raw.unpack_thumb() != LIBRAW_SUCCESS) return std::nullopt;
  const libraw_thumbnail_t& t = raw.imgdata.thumbnail;
  if (std::min(t.twidth, t.theight) < need || t.thumb == nullptr || t.tlength == 0) {
    return std::nullopt;
  }
  const libraw_image_sizes_t& s = raw.imgdata.sizes;
  const double aspect = (double(t.twidth) / t.theight) / (double(s.width) / std::max<int>(1, s.height));
  if (aspect > kMaxPreviewAspectRatio || aspect < 1 / kMaxPreviewAspectRatio) return std::nullopt;
  std::optional<Image> img;
  if (t.tformat == LIBRAW_THUMBNAIL_JPEG) {
    img = DecodePreviewJpeg({reinterpret_cast<const uint8_t*>(t.thumb), t.tlength}, min_side);
  } else if (t.tformat == LIBRAW_THUMBNAIL_BITMAP) {
    img = BitmapPreview(raw);
  }
  if (!img || std::min(img->width, img->height) < need || !CheckPlausible(*img).ok()) {
    return std::nullopt;
  }
  ApplyExifOrientation(orientation, &*img);
  return img;
}

// Half-size processing; LibRaw applies flip, so the result is upright.
Result<Image> ProcessHalfSize(LibRaw& raw, const DataErrors& errors) {
  raw.imgdata.params.half_size = 1;
  raw.imgdata.params.use_camera_wb = 1;
  raw.imgdata.params.output_bps = 8;
  int rc = raw.unpack();
  if (rc != LIBRAW_SUCCESS) return FromLibRawError(rc, "unpack");
  PHOTOIDX_RETURN_IF_ERROR(CheckDataErrors(errors, raw));
  rc = raw.dcraw_process();
  if (rc != LIBRAW_SUCCESS) return FromLibRawError(rc, "process");
  PHOTOIDX_RETURN_IF_ERROR(CheckDataErrors(errors, raw));
  MemImagePtr mem(raw.dcraw_make_mem_image(&rc));
  if (rc != LIBRAW_SUCCESS || !mem) return FromLibRawError(rc, "output");
  if (mem->type != LIBRAW_IMAGE_BITMAP || mem->bits != 8 || (mem->colors != 3 && mem->colors != 1) ||
      size_t(mem->width) * mem->height * mem->colors > mem->data_size) {
    return Status::Corruption("raw: unexpected processed image layout");
  }
  Image img;
  img.width = mem->width;
  img.height = mem->height;
  const size_t n = size_t(img.width) * size_t(img.height);
  if (mem->colors == 3) {
    img.pixels.assign(mem->data, mem->data + n * 3);
  } else {
    img.pixels.resize(n * 3);
    for (size_t i = 0; i < n; ++i) std::memset(&img.pixels[i * 3], mem->data[i], 3);
  }
  PHOTOIDX_RETURN_IF_ERROR(CheckPlausible(img).WithContext("raw"));
  return img;
}

Result<AdapterOutput> DecodeRawUnguarded(std::span<const uint8_t> bytes, const DecodeOptions& opt,
                                         RawPath path) {
  LibRawPtr raw(new LibRaw(LIBRAW_OPTIONS_NONE));
  DataErrors errors;
  raw->set_dataerror_handler(OnDataError, &errors);
  raw->set_memerror_handler(OnMemoryError, nullptr);
  // open_buffer takes a non-const pointer but only reads through it.
  int rc = raw->open_buffer(const_cast<uint8_t*>(bytes.data()), bytes.size());
  if (rc != LIBRAW_SUCCESS) return FromLibRawError(rc, "open");
  const libraw_image_sizes_t& s = raw->imgdata.sizes;
  if (s.width == 0 || s.height == 0 || s.raw_width == 0 || s.raw_height == 0) {
    return Status::Corruption("raw: no image in file");
  }
  PHOTOIDX_RETURN_IF_ERROR(CheckRawExtent(*raw, bytes, opt));

  AdapterOutput out;
  std::tie(out.full_width, out.full_height) = FullOutputSize(*raw);
  out.orientation = FlipToExifOrientation(s.flip);
  out.orientation_applied = true;
  if (out.full_width <= 0 || out.full_height <= 0) return Status::Corruption("raw: no image size");
  if (opt.metadata_only) return out;

  const int half_short = std::max(1, std::min<int>(s.width, s.height) / 2);
  const int need = opt.min_side > 0 ? std::min(opt.min_side, half_short) : half_short;
  if (path != RawPath::kProcess) {
    // kPreview takes any usable preview, however small.
    const int want = path == RawPath::kPreview ? 1 : need;
    if (std::optional<Image> preview = TryPreview(*raw, want, opt.min_side, out.orientation)) {
      out.image = std::move(*preview);
      return out;
    }
    if (path == RawPath::kPreview) return Status::NotSupported("raw: no usable preview");
  }
  PHOTOIDX_ASSIGN_OR_RETURN(out.image, ProcessHalfSize(*raw, errors));
  return out;
}

}  // namespace

// LibRaw needs no global initialisation; each call builds its own object.
void InitRaw() {}

Result<AdapterOutput> DecodeRaw(std::span<const uint8_t> bytes, const DecodeOptions& opt) {
  return DecodeRawVia(bytes, opt, RawPath::kAuto);
}

Result<AdapterOutput> DecodeRawVia(std::span<const uint8_t> bytes, const DecodeOptions& opt,
                                   RawPath path) {
  if (bytes.empty()) return Status::Corruption("raw: empty file");
  // LibRaw converts its own failures to error codes; this catches what it
  // lets through (std::bad_alloc from a huge allocation, for one).
  try {
    return DecodeRawUnguarded(bytes, opt, path);
  } catch (const std::bad_alloc&) {
    return Status::Corruption("raw: out of memory decoding the file");
  } catch (...) {
    return Status::Corruption("raw: decoder failed");
  }
}

}  // namespace photoidx::image::internal
