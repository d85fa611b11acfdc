#include "core/models/clip_common/clip_config.h"

#include "core/models/hf/json_config.h"

namespace photoidx::models::clip {
namespace {

using hf::JsonObject;

Result<Activation> ParseActivation(const JsonObject& obj) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::string act, obj.GetString("hidden_act", "quick_gelu"));
  if (act == "quick_gelu") return Activation::kQuickGelu;
  if (act == "gelu") return Activation::kGelu;
  return Status::NotSupported(obj.where() + ".hidden_act",
                              "activation '" + act + "' is not supported (quick_gelu, gelu)");
}

Status ParseTower(const JsonObject& obj, const ClipTowerConfig& defaults, ClipTowerConfig* out) {
  PHOTOIDX_ASSIGN_OR_RETURN(out->hidden_size, obj.GetInt("hidden_size", defaults.hidden_size));
  PHOTOIDX_ASSIGN_OR_RETURN(out->intermediate_size,
                            obj.GetInt("intermediate_size", defaults.intermediate_size));
  PHOTOIDX_ASSIGN_OR_RETURN(out->num_hidden_layers,
                            obj.GetInt("num_hidden_layers", defaults.num_hidden_layers));
  PHOTOIDX_ASSIGN_OR_RETURN(out->num_attention_heads,
                            obj.GetInt("num_attention_heads", defaults.num_attention_heads));
  PHOTOIDX_ASSIGN_OR_RETURN(out->hidden_act, ParseActivation(obj));
  PHOTOIDX_ASSIGN_OR_RETURN(out->layer_norm_eps,
                            obj.GetDouble("layer_norm_eps", defaults.layer_norm_eps));
  if (out->hidden_size <= 0 || out->intermediate_size <= 0 || out->num_hidden_layers <= 0 ||
      out->num_attention_heads <= 0 || !(out->layer_norm_eps > 0)) {
    return Status::InvalidArgument(obj.where(),
                                   "sizes, layer counts and layer_norm_eps must be > 0");
  }
  if (out->hidden_size % out->num_attention_heads != 0) {
    return Status::InvalidArgument(obj.where(), "hidden_size " + std::to_string(out->hidden_size) +
                                                    " is not divisible by num_attention_heads " +
                                                    std::to_string(out->num_attention_heads));
  }
  return Status::OK();
}

// The tower's object: `<key>_dict` when present (it wins, see the header),
// else `<key>`.
Result<JsonObject> TowerObject(const JsonObject& root, const std::string& key) {
  if (root.TypeOf(key + "_dict") == JsonObject::Kind::kObject) return root.GetObject(key + "_dict");
  return root.GetObject(key);
}

Status ParseText(const JsonObject& obj, ClipTextConfig* text) {
  ClipTowerConfig defaults{.hidden_size = 512,
                           .intermediate_size = 2048,
                           .num_hidden_layers = 12,
                           .num_attention_heads = 8};
  PHOTOIDX_RETURN_IF_ERROR(ParseTower(obj, defaults, text));
  PHOTOIDX_ASSIGN_OR_RETURN(text->vocab_size, obj.GetInt("vocab_size", 49408));
  PHOTOIDX_ASSIGN_OR_RETURN(text->max_position_embeddings,
                            obj.GetInt("max_position_embeddings", 77));
  PHOTOIDX_ASSIGN_OR_RETURN(text->bos_token_id, obj.GetInt("bos_token_id", 49406));
  PHOTOIDX_ASSIGN_OR_RETURN(text->eos_token_id, obj.GetInt("eos_token_id", 49407));
  PHOTOIDX_ASSIGN_OR_RETURN(text->pad_token_id, obj.GetInt("pad_token_id", 1));
  if (text->vocab_size <= 0 || text->max_position_embeddings <= 1) {
    return Status::InvalidArgument(obj.where(),
                                   "vocab_size and max_position_embeddings must be > 1");
  }
  return Status::OK();
}

Status ParseVision(const JsonObject& obj, ClipVisionConfig* vision) {
  ClipTowerConfig defaults{.hidden_size = 768,
                           .intermediate_size = 3072,
                           .num_hidden_layers = 12,
                           .num_attention_heads = 12};
  PHOTOIDX_RETURN_IF_ERROR(ParseTower(obj, defaults, vision));
  PHOTOIDX_ASSIGN_OR_RETURN(vision->image_size, obj.GetInt("image_size", 224));
  PHOTOIDX_ASSIGN_OR_RETURN(vision->patch_size, obj.GetInt("patch_size", 32));
  PHOTOIDX_ASSIGN_OR_RETURN(vision->num_channels, obj.GetInt("num_channels", 3));
  if (vision->patch_size <= 0 || vision->image_size < vision->patch_size) {
    return Status::InvalidArgument(obj.where(), "patch_size must be in 1..image_size");
  }
  if (vision->num_channels != 3) {
    return Status::NotSupported(
        obj.where() + ".num_channels",
        std::to_string(vision->num_channels) + " (only RGB, 3, is supported)");
  }
  return Status::OK();
}

Result<ClipConfig> FromJson(const JsonObject& root, const std::string& name) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::string model_type, root.GetString("model_type", "clip"));
  if (model_type != "clip") {
    return Status::NotSupported(name, "model_type '" + model_type + "' is not a CLIP model");
  }
  ClipConfig cfg;
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject text, TowerObject(root, "text_config"));
  PHOTOIDX_RETURN_IF_ERROR(ParseText(text, &cfg.text));
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject vision, TowerObject(root, "vision_config"));
  PHOTOIDX_RETURN_IF_ERROR(ParseVision(vision, &cfg.vision));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg.projection_dim, root.GetInt("projection_dim", 512));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg.logit_scale_init_value,
                            root.GetDouble("logit_scale_init_value", 2.6592));
  if (cfg.projection_dim <= 0) {
    return Status::InvalidArgument(name, "projection_dim must be > 0");
  }
  return cfg;
}

}  // namespace

const char* ActivationName(Activation act) {
  return act == Activation::kGelu ? "gelu" : "quick_gelu";
}

Result<ClipConfig> ParseClipConfig(std::string_view json_text, const std::string& name) {
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject root, hf::ParseJsonObject(json_text, name));
  return FromJson(root, name);
}

Result<ClipConfig> LoadClipConfig(const std::string& dir) {
  std::string path = dir + "/config.json";
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject root, hf::LoadJsonObject(path));
  return FromJson(root, path);
}

}  // namespace photoidx::models::clip
