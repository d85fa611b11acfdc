// BlipConfig: the parts of a Hugging Face BlipConfig (config.json of a
// BlipForConditionalGeneration checkpoint) that the captioner needs.
//
// config.json comes in two styles: a full dump (every attribute written, like
// Salesforce/blip-image-captioning-base) and the modern diff style (only the
// values that differ from the defaults). Missing keys take transformers'
// BlipTextConfig / BlipVisionConfig defaults (the field initialisers below).
// The head count cannot be checked against tensor shapes, so a missing
// `num_attention_heads` takes the default: 8 for text, 12 for vision.
//
// Thread safety: plain values.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_BLIP_CONFIG_H_
#define PHOTOIDX_CORE_MODELS_BLIP_BLIP_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace photoidx::models::blip {

// transformers BlipVisionConfig.
struct BlipVisionConfig {
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t image_size = 384;
  int64_t patch_size = 16;
  int64_t num_channels = 3;
  std::string hidden_act = "gelu";
  double layer_norm_eps = 1e-5;

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  int64_t num_patches() const {
    return (image_size / patch_size) * (image_size / patch_size);
  }
  int64_t num_positions() const { return num_patches() + 1; }  // + class token
};

// transformers BlipTextConfig (the BERT text decoder).
struct BlipTextConfig {
  int64_t vocab_size = 30524;
  int64_t hidden_size = 768;
  int64_t intermediate_size = 3072;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 8;
  std::string hidden_act = "gelu";
  double layer_norm_eps = 1e-12;
  int64_t max_position_embeddings = 512;
  int64_t bos_token_id = 30522;  // [DEC]: the first decoder input
  int64_t eos_token_id = 2;      // unused by generate (it passes sep_token_id)
  int64_t pad_token_id = 0;
  int64_t sep_token_id = 102;    // [SEP]: the eos of generate
  // Width of the image states the cross-attention reads; defaults to the
  // vision hidden size (BlipConfig.__init__ sets it so).
  int64_t encoder_hidden_size = 768;

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

struct BlipConfig {
  BlipVisionConfig vision;
  BlipTextConfig text;
};

// Parses the text of a config.json (`name` is used in messages). Errors:
// Corruption for malformed JSON or wrongly typed values, NotSupported for a
// hidden_act other than "gelu" or a model_type that is not BLIP,
// InvalidArgument for sizes that cannot work (hidden size not divisible by
// the head count, image size not divisible by the patch size, ...).
Result<BlipConfig> ParseBlipConfig(std::string_view json, const std::string& name);

// Reads and parses `path` (NotFound / IOError when unreadable).
Result<BlipConfig> LoadBlipConfig(const std::string& path);

// Checks the invariants listed above on an already filled config.
Status ValidateBlipConfig(const BlipConfig& config, const std::string& name);

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_BLIP_CONFIG_H_
