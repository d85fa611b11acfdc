// HEIF/HEIC/AVIF adapter (libheif 1.15).
//
// Reads the file from memory (no copy), takes the primary image, decodes it
// to interleaved 8-bit RGB (10/12-bit converted by libheif, alpha dropped as
// Pillow's convert("RGB") does) and reports the raw EXIF block for the EXIF
// reader. libheif applies irot/imir itself, so the handle's size and the
// pixels are upright and orientation_applied is always true; for files
// without any transform property the EXIF Orientation is applied here (see
// heif_orientation.h for the rule and the evidence). With min_side > 0 an
// embedded thumbnail that is large enough is decoded instead of the primary
// image (2-6 ms instead of 0.4-0.8 s for 12 MP). An all-black or all-white
// result is reported as Corruption: libheif decodes some pruned files (the
// pruned Sony A1 HIF) without any error into black.
#include <libheif/heif.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/image/decoder_internal.h"
#include "core/image/heif_orientation.h"
#include "core/image/orientation.h"
#include "core/image/plausibility.h"

namespace photoidx::image::internal {
namespace {

// An EXIF block larger than this is not a real camera's.
constexpr size_t kMaxExifBytes = 16u << 20;
// A thumbnail may stand in for the primary image only if its aspect ratio
// matches (a thumbnail with different transforms or a crop is not the photo).
constexpr double kMaxAspectMismatch = 0.03;

struct ContextFree {
  void operator()(heif_context* c) const { heif_context_free(c); }
};
struct HandleRelease {
  void operator()(heif_image_handle* h) const { heif_image_handle_release(h); }
};
struct ImageRelease {
  void operator()(heif_image* i) const { heif_image_release(i); }
};
struct OptionsFree {
  void operator()(heif_decoding_options* o) const { heif_decoding_options_free(o); }
};
using ContextPtr = std::unique_ptr<heif_context, ContextFree>;
using HandlePtr = std::unique_ptr<heif_image_handle, HandleRelease>;
using HeifImagePtr = std::unique_ptr<heif_image, ImageRelease>;
using OptionsPtr = std::unique_ptr<heif_decoding_options, OptionsFree>;

std::once_flag g_heif_once;

Status FromHeifError(const heif_error& err, const char* stage) {
  std::string msg = std::string("heif: ") + stage + ": " +
                    (err.message != nullptr ? err.message : "unknown error");
  // Some libheif messages end in a newline; a Status is one line.
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (err.code == heif_error_Unsupported_filetype || err.code == heif_error_Unsupported_feature ||
      err.subcode == heif_suberror_Security_limit_exceeded) {
    return Status::NotSupported(msg);
  }
  return Status::Corruption(msg);
}

// The TIFF header inside a HEIF 'Exif' item: a 4-byte big-endian offset,
// then (after that many bytes, usually "Exif\0\0" or nothing) "II*\0"/"MM\0*".
std::vector<uint8_t> TiffFromExifItem(std::vector<uint8_t> item) {
  auto is_tiff = [&](size_t at) {
    return at + 8 <= item.size() &&
           ((item[at] == 'I' && item[at + 1] == 'I' && item[at + 2] == 42 && item[at + 3] == 0) ||
            (item[at] == 'M' && item[at + 1] == 'M' && item[at + 2] == 0 && item[at + 3] == 42));
  };
  if (item.size() < 12) return {};
  const uint64_t offset = (uint64_t(item[0]) << 24) | (uint64_t(item[1]) << 16) |
                          (uint64_t(item[2]) << 8) | item[3];
  size_t start = 0;
  if (offset <= item.size() && is_tiff(4 + size_t(offset))) {
    start = 4 + size_t(offset);
  } else {
    // Writers disagree on what the offset counts; the header is near the start.
    size_t at = 4;
    while (at < 64 && !is_tiff(at)) ++at;
    if (!is_tiff(at)) return {};
    start = at;
  }
  item.erase(item.begin(), item.begin() + long(start));
  return item;
}

std::vector<uint8_t> ReadExifTiff(const heif_image_handle* h) {
  const int n = heif_image_handle_get_number_of_metadata_blocks(h, "Exif");
  if (n <= 0) return {};
  std::vector<heif_item_id> ids(static_cast<size_t>(n));
  const int got = heif_image_handle_get_list_of_metadata_block_IDs(h, "Exif", ids.data(), n);
  for (int i = 0; i < got; ++i) {
    const size_t size = heif_image_handle_get_metadata_size(h, ids[size_t(i)]);
    if (size < 12 || size > kMaxExifBytes) continue;
    std::vector<uint8_t> item(size);
    if (heif_image_handle_get_metadata(h, ids[size_t(i)], item.data()).code != heif_error_Ok) {
      continue;
    }
    std::vector<uint8_t> tiff = TiffFromExifItem(std::move(item));
    if (!tiff.empty()) return tiff;
  }
  return {};
}

// Decodes `h` to RGB8 honouring the row stride.
// Images above MaxPixels(opt) are refused before libheif allocates anything.
Result<Image> DecodeHandle(const heif_image_handle* h, const DecodeOptions& opt) {
  const int64_t w = heif_image_handle_get_width(h);
  const int64_t ht = heif_image_handle_get_height(h);
  if (w <= 0 || ht <= 0) return Status::Corruption("heif: image has no size");
  if (w * ht > MaxPixels(opt)) {
    return Status::NotSupported("heif: image too large (" + std::to_string(w) + "x" +
                                std::to_string(ht) + ")");
  }
  OptionsPtr decoding(heif_decoding_options_alloc());
  if (!decoding) return Status::Corruption("heif: cannot allocate decoding options");
  decoding->convert_hdr_to_8bit = 1;
  heif_image* raw = nullptr;
  heif_error err =
      heif_decode_image(h, &raw, heif_colorspace_RGB, heif_chroma_interleaved_RGB, decoding.get());
  HeifImagePtr img(raw);
  if (err.code != heif_error_Ok) return FromHeifError(err, "decode");
  if (!img) return Status::Corruption("heif: decode: no image");
  // Some thumbnails decode to the HEVC coded size (padded to a multiple of
  // 8-64 pixels, padding filled with grey) instead of their 'ispe' size:
  // keep the top-left w x ht pixels, which is the picture.
  const int iw = std::min<int>(heif_image_get_width(img.get(), heif_channel_interleaved), int(w));
  const int ih = std::min<int>(heif_image_get_height(img.get(), heif_channel_interleaved), int(ht));
  int stride = 0;
  const uint8_t* plane = heif_image_get_plane_readonly(img.get(), heif_channel_interleaved, &stride);
  if (plane == nullptr || iw <= 0 || ih <= 0 || stride < iw * 3) {
    return Status::Corruption("heif: decode: no interleaved RGB plane");
  }
  Image out;
  out.width = iw;
  out.height = ih;
  out.pixels.resize(size_t(iw) * size_t(ih) * 3);
  for (int y = 0; y < ih; ++y) {
    std::memcpy(out.pixels.data() + size_t(y) * size_t(iw) * 3, plane + size_t(y) * size_t(stride),
                size_t(iw) * 3);
  }
  return out;
}

// The smallest thumbnail whose shorter side is >= min_side and whose aspect
// ratio matches the primary's; null when there is none.
HandlePtr PickThumbnail(const heif_image_handle* primary, int min_side) {
  const int n = heif_image_handle_get_number_of_thumbnails(primary);
  if (n <= 0) return nullptr;
  std::vector<heif_item_id> ids(static_cast<size_t>(n));
  const int got = heif_image_handle_get_list_of_thumbnail_IDs(primary, ids.data(), n);
  const double aspect = double(heif_image_handle_get_width(primary)) /
                        double(std::max(1, heif_image_handle_get_height(primary)));
  HandlePtr best;
  for (int i = 0; i < got; ++i) {
    heif_image_handle* raw = nullptr;
    if (heif_image_handle_get_thumbnail(primary, ids[size_t(i)], &raw).code != heif_error_Ok) {
      continue;
    }
    HandlePtr t(raw);
    const int tw = heif_image_handle_get_width(t.get());
    const int th = heif_image_handle_get_height(t.get());
    if (tw <= 0 || th <= 0 || std::min(tw, th) < min_side) continue;
    if (std::abs(double(tw) / th / aspect - 1.0) > kMaxAspectMismatch) continue;
    if (!best || tw < heif_image_handle_get_width(best.get())) best = std::move(t);
  }
  return best;
}

// Decodes the thumbnail when allowed and usable, else the primary image.
// A thumbnail that fails or looks implausible falls back to the primary,
// which then decides the outcome.
Result<Image> DecodePixels(const heif_image_handle* primary, const DecodeOptions& opt) {
  if (opt.min_side > 0) {
    if (HandlePtr thumb = PickThumbnail(primary, opt.min_side)) {
      Result<Image> img = DecodeHandle(thumb.get(), opt);
      if (img.ok() && CheckPlausible(*img).ok()) return img;
    }
  }
  PHOTOIDX_ASSIGN_OR_RETURN(Image img, DecodeHandle(primary, opt));
  PHOTOIDX_RETURN_IF_ERROR(CheckPlausible(img).WithContext("heif"));
  return img;
}

// 'pitm' must name a top-level image. A file whose primary item is the
// thumbnail (or auxiliary image) of another item is malformed
// (corrupt/heic/invalid_primary_id.heic); libheif 1.15 would still decode it.
Status CheckPrimaryIsTopLevel(heif_context* ctx) {
  heif_item_id id = 0;
  heif_error err = heif_context_get_primary_image_ID(ctx, &id);
  if (err.code != heif_error_Ok) return FromHeifError(err, "primary image");
  if (!heif_context_is_top_level_image_ID(ctx, id)) {
    return Status::Corruption("heif: primary item " + std::to_string(id) +
                              " is not a top-level image (a thumbnail or auxiliary image)");
  }
  return Status::OK();
}

}  // namespace

void InitHeif() {
  std::call_once(g_heif_once, [] { heif_init(nullptr); });
}

Result<AdapterOutput> DecodeHeif(std::span<const uint8_t> bytes, const DecodeOptions& opt) {
  InitHeif();  // idempotent; lets fuzzers and tests call the adapter directly
  if (bytes.empty()) return Status::Corruption("heif: empty file");
  ContextPtr ctx(heif_context_alloc());
  if (!ctx) return Status::Corruption("heif: cannot allocate context");
  heif_error err =
      heif_context_read_from_memory_without_copy(ctx.get(), bytes.data(), bytes.size(), nullptr);
  if (err.code != heif_error_Ok) return FromHeifError(err, "read");
  heif_image_handle* raw_handle = nullptr;
  err = heif_context_get_primary_image_handle(ctx.get(), &raw_handle);
  HandlePtr handle(raw_handle);
  if (err.code != heif_error_Ok) return FromHeifError(err, "primary image");
  if (!handle) return Status::Corruption("heif: no primary image");
  PHOTOIDX_RETURN_IF_ERROR(CheckPrimaryIsTopLevel(ctx.get()));

  AdapterOutput out;
  out.exif_tiff = ReadExifTiff(handle.get());
  // libheif applied irot/imir (handle sizes are already rotated). Without any
  // transform property, the EXIF Orientation is ours to apply.
  int exif_orientation = 1;
  if (FindHeifTransforms(bytes) == HeifTransforms::kAbsent) {
    exif_orientation = ExifIfd0Orientation(out.exif_tiff);
  }
  const int w = heif_image_handle_get_width(handle.get());
  const int h = heif_image_handle_get_height(handle.get());
  if (w <= 0 || h <= 0) return Status::Corruption("heif: primary image has no size");
  const bool swap = OrientationSwapsAxes(exif_orientation);
  out.full_width = swap ? h : w;
  out.full_height = swap ? w : h;
  out.orientation_applied = true;
  if (opt.metadata_only) return out;

  PHOTOIDX_ASSIGN_OR_RETURN(out.image, DecodePixels(handle.get(), opt));
  ApplyExifOrientation(exif_orientation, &out.image);
  return out;
}

}  // namespace photoidx::image::internal
