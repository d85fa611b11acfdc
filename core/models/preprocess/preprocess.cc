// Port of the PIL path of transformers 4.40 CLIPImageProcessor.preprocess /
// BlipImageProcessor.preprocess (image_processing_clip.py,
// image_processing_blip.py, image_transforms.py: resize, center_crop,
// rescale, normalize).
#include "core/models/preprocess/preprocess.h"

#include <algorithm>
#include <array>

#include "core/models/preprocess/resize.h"

namespace photoidx::models::preprocess {
namespace {

using hf::PreprocessorConfig;

constexpr int64_t kMaxSide = 65536;

// Python's floor division for a possibly negative numerator.
int FloorDiv2(int v) { return v >= 0 ? v / 2 : -((-v + 1) / 2); }

bool ExactResize(const PreprocessorConfig& cfg) { return cfg.shortest_edge <= 0; }

// float32 value of every byte per channel: a pure function of (u8, channel),
// so a table gives exactly the element-wise numpy result.
using Lut = std::array<std::array<float, 256>, 3>;
Lut MakeLut(const PreprocessorConfig& cfg) {
  Lut lut;
  for (int c = 0; c < 3; ++c) {
    for (int u = 0; u < 256; ++u) {
      // rescale(): image.astype(float64) * scale, then .astype(float32).
      float v = cfg.do_rescale ? float(double(u) * cfg.rescale_factor) : float(u);
      // normalize(): float32 arrays, (image - mean) / std.
      if (cfg.do_normalize) v = (v - cfg.mean[c]) / cfg.std[c];
      lut[c][u] = v;
    }
  }
  return lut;
}

}  // namespace

int OutputHeight(const PreprocessorConfig& cfg) {
  if (cfg.do_center_crop) return cfg.crop_height;
  return cfg.do_resize && ExactResize(cfg) ? cfg.resize_height : 0;
}

int OutputWidth(const PreprocessorConfig& cfg) {
  if (cfg.do_center_crop) return cfg.crop_width;
  return cfg.do_resize && ExactResize(cfg) ? cfg.resize_width : 0;
}

int DecodeSide(const PreprocessorConfig& cfg) {
  if (cfg.processor == PreprocessorConfig::Processor::kBlip) {
    return std::max(cfg.resize_height, cfg.resize_width);
  }
  if (cfg.shortest_edge > 0) return cfg.shortest_edge;
  return std::min(OutputHeight(cfg), OutputWidth(cfg));
}

Result<Size> ResizedSize(const PreprocessorConfig& cfg, int width, int height) {
  if (width <= 0 || height <= 0) return Status::InvalidArgument("preprocess", "empty image");
  if (!cfg.do_resize) return Size{width, height};
  if (ExactResize(cfg)) {
    if (cfg.resize_width <= 0 || cfg.resize_height <= 0) {
      return Status::InvalidArgument("preprocess", "config has no resize size");
    }
    return Size{cfg.resize_width, cfg.resize_height};
  }
  // image_transforms.get_resize_output_image_size(default_to_square=False):
  // new_long = int(S * long / short), S * long an exact integer, / in double.
  const int64_t s = cfg.shortest_edge;
  const int64_t shorter = std::min(width, height), longer = std::max(width, height);
  const int64_t new_long = int64_t(double(s * longer) / double(shorter));
  if (new_long > kMaxSide) {
    return Status::InvalidArgument("preprocess", "aspect ratio " + std::to_string(width) + "x" +
                                                     std::to_string(height) + " is too extreme");
  }
  return width <= height ? Size{int(s), int(new_long)} : Size{int(new_long), int(s)};
}

Result<Size> OutputSize(const PreprocessorConfig& cfg, int width, int height) {
  PHOTOIDX_ASSIGN_OR_RETURN(Size resized, ResizedSize(cfg, width, height));
  if (!cfg.do_center_crop) return resized;
  if (cfg.crop_width <= 0 || cfg.crop_height <= 0) {
    return Status::InvalidArgument("preprocess", "config has no crop size");
  }
  return Size{cfg.crop_width, cfg.crop_height};
}

Status Preprocess(const image::Image& rgb, const PreprocessorConfig& cfg, float* out_chw,
                  const PreprocessOptions& options) {
  PHOTOIDX_ASSIGN_OR_RETURN(Size resized, ResizedSize(cfg, rgb.width, rgb.height));
  PHOTOIDX_ASSIGN_OR_RETURN(Size out, OutputSize(cfg, rgb.width, rgb.height));
  // Output pixel (r, c) is resized pixel (top + r, left + c); outside the
  // resized image it is a zero byte (center_crop's padding).
  const int top = cfg.do_center_crop ? FloorDiv2(resized.height - out.height) : 0;
  const int left = cfg.do_center_crop ? FloorDiv2(resized.width - out.width) : 0;
  Window win;
  win.top = std::max(top, 0);
  win.left = std::max(left, 0);
  win.height = std::min(top + out.height, resized.height) - win.top;
  win.width = std::min(left + out.width, resized.width) - win.left;
  Result<image::Image> pixels =
      options.reducing_gap > 1.0
          ? ReduceThenResize(rgb, resized.width, resized.height, options.reducing_gap, win)
          : ResizeBicubicWindow(rgb, resized.width, resized.height, win);
  if (!pixels.ok()) return pixels.status().WithContext("preprocess");

  static_assert(sizeof(float) == 4);
  const Lut lut = MakeLut(cfg);
  const size_t plane = size_t(out.width) * out.height;
  const int row_off = win.top - top, col_off = win.left - left;  // window in output coords
  for (int c = 0; c < 3; ++c) {
    float* dst = out_chw + c * plane;
    std::fill(dst, dst + plane, lut[c][0]);
    for (int y = 0; y < win.height; ++y) {
      const uint8_t* src = pixels->row(y) + c;
      float* d = dst + size_t(row_off + y) * out.width + col_off;
      for (int x = 0; x < win.width; ++x) d[x] = lut[c][src[3 * x]];
    }
  }
  return Status::OK();
}

}  // namespace photoidx::models::preprocess
