#include "core/models/blip/blip_config.h"

#include "core/models/hf/json_config.h"

namespace photoidx::models::blip {
namespace {

using hf::JsonObject;

Status CheckActivation(const JsonObject& obj, const std::string& act) {
  if (act == "gelu") return Status::OK();
  return Status::NotSupported(obj.where() + ".hidden_act",
                              "activation '" + act + "' is not supported (gelu)");
}

Status ParseVision(const JsonObject& obj, BlipVisionConfig* v) {
  const BlipVisionConfig d;
  PHOTOIDX_ASSIGN_OR_RETURN(v->hidden_size, obj.GetInt("hidden_size", d.hidden_size));
  PHOTOIDX_ASSIGN_OR_RETURN(v->intermediate_size,
                            obj.GetInt("intermediate_size", d.intermediate_size));
  PHOTOIDX_ASSIGN_OR_RETURN(v->num_hidden_layers,
                            obj.GetInt("num_hidden_layers", d.num_hidden_layers));
  PHOTOIDX_ASSIGN_OR_RETURN(v->num_attention_heads,
                            obj.GetInt("num_attention_heads", d.num_attention_heads));
  PHOTOIDX_ASSIGN_OR_RETURN(v->image_size, obj.GetInt("image_size", d.image_size));
  PHOTOIDX_ASSIGN_OR_RETURN(v->patch_size, obj.GetInt("patch_size", d.patch_size));
  PHOTOIDX_ASSIGN_OR_RETURN(v->num_channels, obj.GetInt("num_channels", d.num_channels));
  PHOTOIDX_ASSIGN_OR_RETURN(v->hidden_act, obj.GetString("hidden_act", d.hidden_act));
  PHOTOIDX_ASSIGN_OR_RETURN(v->layer_norm_eps, obj.GetDouble("layer_norm_eps", d.layer_norm_eps));
  return CheckActivation(obj, v->hidden_act);
}

Status ParseText(const JsonObject& obj, BlipTextConfig* t) {
  const BlipTextConfig d;
  PHOTOIDX_ASSIGN_OR_RETURN(t->vocab_size, obj.GetInt("vocab_size", d.vocab_size));
  PHOTOIDX_ASSIGN_OR_RETURN(t->hidden_size, obj.GetInt("hidden_size", d.hidden_size));
  PHOTOIDX_ASSIGN_OR_RETURN(t->intermediate_size,
                            obj.GetInt("intermediate_size", d.intermediate_size));
  PHOTOIDX_ASSIGN_OR_RETURN(t->num_hidden_layers,
                            obj.GetInt("num_hidden_layers", d.num_hidden_layers));
  PHOTOIDX_ASSIGN_OR_RETURN(t->num_attention_heads,
                            obj.GetInt("num_attention_heads", d.num_attention_heads));
  PHOTOIDX_ASSIGN_OR_RETURN(t->hidden_act, obj.GetString("hidden_act", d.hidden_act));
  PHOTOIDX_ASSIGN_OR_RETURN(t->layer_norm_eps, obj.GetDouble("layer_norm_eps", d.layer_norm_eps));
  PHOTOIDX_ASSIGN_OR_RETURN(t->max_position_embeddings,
                            obj.GetInt("max_position_embeddings", d.max_position_embeddings));
  PHOTOIDX_ASSIGN_OR_RETURN(t->bos_token_id, obj.GetInt("bos_token_id", d.bos_token_id));
  PHOTOIDX_ASSIGN_OR_RETURN(t->eos_token_id, obj.GetInt("eos_token_id", d.eos_token_id));
  PHOTOIDX_ASSIGN_OR_RETURN(t->pad_token_id, obj.GetInt("pad_token_id", d.pad_token_id));
  PHOTOIDX_ASSIGN_OR_RETURN(t->sep_token_id, obj.GetInt("sep_token_id", d.sep_token_id));
  return CheckActivation(obj, t->hidden_act);
}

Status CheckHeads(const std::string& where, int64_t hidden, int64_t heads) {
  if (hidden % heads == 0) return Status::OK();
  return Status::InvalidArgument(where, "hidden_size " + std::to_string(hidden) +
                                            " is not divisible by num_attention_heads " +
                                            std::to_string(heads));
}

}  // namespace

Status ValidateBlipConfig(const BlipConfig& config, const std::string& name) {
  const BlipVisionConfig& v = config.vision;
  const BlipTextConfig& t = config.text;
  if (v.hidden_size <= 0 || v.intermediate_size <= 0 || v.num_hidden_layers <= 0 ||
      v.num_attention_heads <= 0 || v.patch_size <= 0 || v.image_size < v.patch_size ||
      !(v.layer_norm_eps > 0)) {
    return Status::InvalidArgument(name + ": vision_config",
                                   "sizes, layer counts and layer_norm_eps must be > 0 and "
                                   "patch_size <= image_size");
  }
  if (v.image_size % v.patch_size != 0) {
    return Status::InvalidArgument(name + ": vision_config",
                                   "image_size " + std::to_string(v.image_size) +
                                       " is not a multiple of patch_size " +
                                       std::to_string(v.patch_size));
  }
  if (v.num_channels != 3) {
    return Status::NotSupported(name + ": vision_config.num_channels",
                                std::to_string(v.num_channels) + " (only RGB, 3, is supported)");
  }
  if (t.vocab_size <= 1 || t.hidden_size <= 0 || t.intermediate_size <= 0 ||
      t.num_hidden_layers <= 0 || t.num_attention_heads <= 0 || t.max_position_embeddings <= 1 ||
      !(t.layer_norm_eps > 0)) {
    return Status::InvalidArgument(name + ": text_config",
                                   "sizes, layer counts and layer_norm_eps must be > 0");
  }
  for (int64_t id : {t.bos_token_id, t.pad_token_id, t.sep_token_id}) {
    if (id < 0 || id >= t.vocab_size) {
      return Status::InvalidArgument(name + ": text_config",
                                     "token id " + std::to_string(id) + " outside the vocabulary");
    }
  }
  PHOTOIDX_RETURN_IF_ERROR(CheckHeads(name + ": vision_config", v.hidden_size, v.num_attention_heads));
  return CheckHeads(name + ": text_config", t.hidden_size, t.num_attention_heads);
}

namespace {

Result<BlipConfig> FromJson(const JsonObject& root, const std::string& name) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::string model_type, root.GetString("model_type", "blip"));
  if (model_type != "blip") {
    return Status::NotSupported(name, "model_type '" + model_type + "' is not a BLIP model");
  }
  BlipConfig config;
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject vision, root.GetObject("vision_config"));
  PHOTOIDX_RETURN_IF_ERROR(ParseVision(vision, &config.vision));
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject text, root.GetObject("text_config"));
  PHOTOIDX_RETURN_IF_ERROR(ParseText(text, &config.text));
  // BlipConfig.__init__ overwrites whatever the file says with the vision width.
  config.text.encoder_hidden_size = config.vision.hidden_size;
  PHOTOIDX_RETURN_IF_ERROR(ValidateBlipConfig(config, name));
  return config;
}

}  // namespace

Result<BlipConfig> ParseBlipConfig(std::string_view json, const std::string& name) {
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject root, hf::ParseJsonObject(json, name));
  return FromJson(root, name);
}

Result<BlipConfig> LoadBlipConfig(const std::string& path) {
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject root, hf::LoadJsonObject(path));
  return FromJson(root, path);
}

}  // namespace photoidx::models::blip
