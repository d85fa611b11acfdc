// Preprocess(): an RGB8 photo -> the float32 CHW pixel_values a CLIP or BLIP
// vision tower takes, equal to transformers 4.40 CLIPImageProcessor /
// BlipImageProcessor on the PIL path (max abs diff 0 on the reference images):
//   1. resize with Pillow BICUBIC: CLIP shortest edge -> S, the other side
//      int(S * long / short) (double); BLIP exact height x width;
//   2. CLIP centre crop: top = (H - ch) // 2, left = (W - cw) // 2 (floor);
//      an image smaller than the crop is zero-padded (transformers
//      image_transforms.center_crop), i.e. padded pixels are byte 0;
//   3. v = float32(double(u8) * rescale_factor); (v - mean) / std in float32.
// The resize only computes the pixels the crop keeps (exact, see
// ResizeBicubicWindow).
//
// Thread safety: all functions may be called concurrently.
#ifndef PHOTOIDX_CORE_MODELS_PREPROCESS_PREPROCESS_H_
#define PHOTOIDX_CORE_MODELS_PREPROCESS_PREPROCESS_H_

#include "core/base/status.h"
#include "core/image/image.h"
#include "core/models/hf/preprocessor_config.h"

namespace photoidx::models::preprocess {

struct PreprocessOptions {
  // > 1 enables the NON-EXACT fast path for large photos: box-average by an
  // integer factor while the image stays at least `reducing_gap` times the
  // resize target, then bicubic (like Pillow's resize(reducing_gap=...)).
  // Saves most of the resize time on 12 MP inputs; pixel values then differ
  // from transformers by a few 1/255 steps. 0 = exact (the parity path).
  double reducing_gap = 0;
};

// The fixed output size of `cfg`, or 0 when it depends on the image (CLIP
// without centre crop, or no resize and no crop).
int OutputHeight(const hf::PreprocessorConfig& cfg);
int OutputWidth(const hf::PreprocessorConfig& cfg);

// The shorter side an image must have, at least, for `cfg` to see what a
// full decode would give it: what the decoder is asked for (DCT scaling,
// HEIF thumbnails, RAW previews stop there). CLIP: its shortest_edge, or the
// smaller fixed output side; BLIP (exact resize, aspect not kept): the
// larger of the two. Known from the preprocessor file alone, so a build can
// start decoding while the model loads.
int DecodeSide(const hf::PreprocessorConfig& cfg);

struct Size {
  int width = 0;
  int height = 0;
};
// The size of the resize step for an image of `width` x `height` (the input
// size when !do_resize). InvalidArgument when it would exceed 65536 pixels on
// a side (absurd aspect ratios).
Result<Size> ResizedSize(const hf::PreprocessorConfig& cfg, int width, int height);
// The size of Preprocess()'s output for such an image.
Result<Size> OutputSize(const hf::PreprocessorConfig& cfg, int width, int height);

// Writes 3 * H * W floats (channel-major: R plane, G plane, B plane) to
// `out_chw`, where H x W = OutputSize(cfg, rgb.width, rgb.height).
// InvalidArgument for an empty image or unusable sizes.
Status Preprocess(const image::Image& rgb, const hf::PreprocessorConfig& cfg, float* out_chw,
                  const PreprocessOptions& options = {});

}  // namespace photoidx::models::preprocess

#endif  // PHOTOIDX_CORE_MODELS_PREPROCESS_PREPROCESS_H_
