// PreprocessorConfig: what CLIPImageProcessor / BlipImageProcessor
// (transformers 4.40) do to an image, read from preprocessor_config.json.
//
// Four file formats exist (see tests/data/models/*/preprocessor_config.json
// and ../shared/fixtures/README.md "Image preprocessing"):
//   legacy OpenAI CLIPFeatureExtractor  "size": 224, "crop_size": 224
//   transformers 4.40 CLIP              "size": {"shortest_edge": 224},
//                                       "crop_size": {"height": 224, "width": 224}
//   real Salesforce BLIP file           "size": 384 (square)
//   transformers 4.40 BLIP              "size": {"height": 384, "width": 384}
// The processor class (image_processor_type, else feature_extractor_type)
// decides what an integer "size" means and the defaults of missing keys,
// exactly as the class constructors do.
#ifndef PHOTOIDX_CORE_MODELS_HF_PREPROCESSOR_CONFIG_H_
#define PHOTOIDX_CORE_MODELS_HF_PREPROCESSOR_CONFIG_H_

#include <array>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace photoidx::models::hf {

// OPENAI_CLIP_MEAN / OPENAI_CLIP_STD (transformers image_utils.py), the
// default of both processors.
inline constexpr std::array<float, 3> kOpenAiClipMean = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr std::array<float, 3> kOpenAiClipStd = {0.26862954f, 0.26130258f, 0.27577711f};
// PIL.Image.BICUBIC: the only resample filter implemented.
inline constexpr int kResampleBicubic = 3;

struct PreprocessorConfig {
  enum class Processor { kClip, kBlip };
  Processor processor = Processor::kClip;
  bool do_resize = true;
  // CLIP style: resize so the shorter side is shortest_edge (aspect kept).
  // Exactly one of shortest_edge > 0 or (resize_height, resize_width) > 0.
  int shortest_edge = 0;
  // BLIP style (or CLIP with a {"height","width"} size): exact output size.
  int resize_height = 0;
  int resize_width = 0;
  // Centre crop to crop_height x crop_width after resizing (CLIP); images
  // smaller than the crop are zero-padded as transformers does.
  bool do_center_crop = false;
  int crop_height = 0;
  int crop_width = 0;
  int resample = kResampleBicubic;
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  std::array<float, 3> mean = kOpenAiClipMean;  // float32, as numpy casts them
  std::array<float, 3> std = kOpenAiClipStd;
  bool do_convert_rgb = true;  // photoidx images are always RGB8 already
};

// Reads `<model_dir>/preprocessor_config.json`. NotFound when the file is
// missing, InvalidArgument for bad JSON, bad or missing sizes, mean/std not
// of length 3 (or a zero std), NotSupported for a resample filter other than
// bicubic (3) or an unknown processor class.
Result<PreprocessorConfig> LoadPreprocessorConfig(const std::string& model_dir);

// Same, from the text of the file; `name` is used in messages.
Result<PreprocessorConfig> ParsePreprocessorConfig(std::string_view json_text,
                                                   const std::string& name);

}  // namespace photoidx::models::hf

#endif  // PHOTOIDX_CORE_MODELS_HF_PREPROCESSOR_CONFIG_H_
