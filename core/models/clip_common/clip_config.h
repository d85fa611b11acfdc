// CLIPConfig from a Hugging Face config.json (transformers' CLIPConfig,
// CLIPTextConfig, CLIPVisionConfig in configuration_clip.py, v4.40).
//
// Both styles are read: the full dump (every attribute explicit, like the
// real OpenAI configs) and the diff style transformers writes by default,
// where absent keys take transformers' defaults. When the legacy
// `text_config_dict` / `vision_config_dict` objects are present they win
// outright, as in CLIPConfig.__init__ (they are expanded with the defaults
// and then override `text_config` / `vision_config` key by key).
//
// Torch-free (module photoidx_clip_common: shared by the libtorch towers in
// core/models/clip and the plain C++ text tower in core/models/clip_cpu).
// Thread safety: plain values.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_COMMON_CLIP_CONFIG_H_
#define PHOTOIDX_CORE_MODELS_CLIP_COMMON_CLIP_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace photoidx::models::clip {

// transformers' ACT2FN names: "quick_gelu" = x * sigmoid(1.702 x),
// "gelu" = the exact erf form. Anything else is NotSupported at load.
enum class Activation { kQuickGelu, kGelu };

const char* ActivationName(Activation act);

// What the two towers share (one CLIPEncoder).
struct ClipTowerConfig {
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  Activation hidden_act = Activation::kQuickGelu;
  double layer_norm_eps = 1e-5;

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

struct ClipTextConfig : ClipTowerConfig {
  int64_t vocab_size = 49408;
  int64_t max_position_embeddings = 77;
  int64_t bos_token_id = 49406;
  int64_t eos_token_id = 49407;
  int64_t pad_token_id = 1;

  // transformers' rule: configs with eos_token_id == 2 (openai/clip-vit-*)
  // pool at argmax(input_ids); others at the first input_ids == eos.
  bool legacy_eos_pooling() const { return eos_token_id == 2; }
};

struct ClipVisionConfig : ClipTowerConfig {
  int64_t image_size = 224;
  int64_t patch_size = 32;
  int64_t num_channels = 3;

  int64_t patches_per_side() const { return image_size / patch_size; }
  // Patches plus the class token.
  int64_t num_positions() const { return patches_per_side() * patches_per_side() + 1; }
};

struct ClipConfig {
  ClipTextConfig text;
  ClipVisionConfig vision;
  int64_t projection_dim = 512;
  double logit_scale_init_value = 2.6592;
};

// Parses config.json text. `name` (the path) prefixes messages.
// Errors: InvalidArgument for bad JSON, wrong value types or impossible
// sizes (hidden_size not divisible by num_attention_heads, ...);
// NotSupported for an unknown hidden_act (naming it) or a model_type that
// is not CLIP.
Result<ClipConfig> ParseClipConfig(std::string_view json_text, const std::string& name);

// Reads `<dir>/config.json`. NotFound when absent.
Result<ClipConfig> LoadClipConfig(const std::string& dir);

}  // namespace photoidx::models::clip

#endif  // PHOTOIDX_CORE_MODELS_CLIP_COMMON_CLIP_CONFIG_H_
