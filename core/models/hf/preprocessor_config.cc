// Port of the constructor logic of transformers 4.40
// models/clip/image_processing_clip.py (CLIPImageProcessor) and
// models/blip/image_processing_blip.py (BlipImageProcessor), including
// image_processing_utils.get_size_dict's reading of integer sizes.
#include "core/models/hf/preprocessor_config.h"

#include <algorithm>
#include <cctype>

#include "core/models/hf/json_config.h"

namespace photoidx::models::hf {
namespace {

using Processor = PreprocessorConfig::Processor;

bool ContainsNoCase(std::string hay, std::string needle) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  return lower(std::move(hay)).find(lower(std::move(needle))) != std::string::npos;
}

Result<Processor> DetectProcessor(const JsonObject& j) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::string type, j.GetString("image_processor_type", ""));
  if (type.empty()) {
    PHOTOIDX_ASSIGN_OR_RETURN(type, j.GetString("feature_extractor_type", ""));
  }
  if (ContainsNoCase(type, "blip")) return Processor::kBlip;
  // No type at all: treat as CLIP (the reference implementation does too).
  if (type.empty() || ContainsNoCase(type, "clip")) return Processor::kClip;
  return Status::NotSupported(j.where(), "image processor '" + type +
                                             "' is not supported (CLIPImageProcessor or "
                                             "BlipImageProcessor expected)");
}

Status BadSize(const JsonObject& j, const char* key, std::string_view why) {
  return Status::InvalidArgument(j.where(), std::string(key) + " " + j.DumpValue(key) + ": " +
                                                std::string(why));
}

Status CheckPositive(const JsonObject& j, const char* key, int64_t v) {
  if (v <= 0 || v > 65536) return BadSize(j, key, "sizes must be between 1 and 65536");
  return Status::OK();
}

// "size": an int (shortest edge for CLIP, square for BLIP) or a dict with
// shortest_edge or height+width; absent = the class default.
Status ReadSize(const JsonObject& j, PreprocessorConfig* cfg) {
  const bool clip = cfg->processor == Processor::kClip;
  JsonObject::Kind kind = j.TypeOf("size");
  if (kind == JsonObject::Kind::kMissing || kind == JsonObject::Kind::kNull) {
    if (clip) cfg->shortest_edge = 224;
    else cfg->resize_height = cfg->resize_width = 384;
    return Status::OK();
  }
  if (kind == JsonObject::Kind::kInt || kind == JsonObject::Kind::kDouble) {
    PHOTOIDX_ASSIGN_OR_RETURN(int64_t s, j.GetInt("size", 0));
    PHOTOIDX_RETURN_IF_ERROR(CheckPositive(j, "size", s));
    if (clip) cfg->shortest_edge = int(s);
    else cfg->resize_height = cfg->resize_width = int(s);
    return Status::OK();
  }
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject size, j.GetObject("size"));
  if (clip && size.Has("shortest_edge")) {
    PHOTOIDX_ASSIGN_OR_RETURN(int64_t s, size.GetInt("shortest_edge", 0));
    PHOTOIDX_RETURN_IF_ERROR(CheckPositive(j, "size", s));
    cfg->shortest_edge = int(s);
    return Status::OK();
  }
  if (!size.Has("height") || !size.Has("width")) {
    return BadSize(j, "size", clip ? "needs shortest_edge or height and width"
                                   : "needs height and width");
  }
  PHOTOIDX_ASSIGN_OR_RETURN(int64_t h, size.GetInt("height", 0));
  PHOTOIDX_ASSIGN_OR_RETURN(int64_t w, size.GetInt("width", 0));
  PHOTOIDX_RETURN_IF_ERROR(CheckPositive(j, "size", h));
  PHOTOIDX_RETURN_IF_ERROR(CheckPositive(j, "size", w));
  cfg->resize_height = int(h);
  cfg->resize_width = int(w);
  return Status::OK();
}

// CLIP only: "crop_size" as an int (square) or {"height","width"}; default 224.
Status ReadCrop(const JsonObject& j, PreprocessorConfig* cfg) {
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->do_center_crop, j.GetBool("do_center_crop", true));
  JsonObject::Kind kind = j.TypeOf("crop_size");
  if (kind == JsonObject::Kind::kMissing || kind == JsonObject::Kind::kNull) {
    cfg->crop_height = cfg->crop_width = 224;
  } else if (kind == JsonObject::Kind::kInt || kind == JsonObject::Kind::kDouble) {
    PHOTOIDX_ASSIGN_OR_RETURN(int64_t s, j.GetInt("crop_size", 0));
    PHOTOIDX_RETURN_IF_ERROR(CheckPositive(j, "crop_size", s));
    cfg->crop_height = cfg->crop_width = int(s);
  } else {
    PHOTOIDX_ASSIGN_OR_RETURN(JsonObject crop, j.GetObject("crop_size"));
    if (!crop.Has("height") || !crop.Has("width")) {
      return BadSize(j, "crop_size", "needs height and width");
    }
    PHOTOIDX_ASSIGN_OR_RETURN(int64_t h, crop.GetInt("height", 0));
    PHOTOIDX_ASSIGN_OR_RETURN(int64_t w, crop.GetInt("width", 0));
    PHOTOIDX_RETURN_IF_ERROR(CheckPositive(j, "crop_size", h));
    PHOTOIDX_RETURN_IF_ERROR(CheckPositive(j, "crop_size", w));
    cfg->crop_height = int(h);
    cfg->crop_width = int(w);
  }
  return Status::OK();
}

// image_mean / image_std: three numbers, or one number for all channels.
Result<std::array<float, 3>> ReadTriple(const JsonObject& j, const char* key,
                                        const std::array<float, 3>& fallback) {
  JsonObject::Kind kind = j.TypeOf(key);
  if (kind == JsonObject::Kind::kInt || kind == JsonObject::Kind::kDouble) {
    PHOTOIDX_ASSIGN_OR_RETURN(double v, j.GetDouble(key, 0));
    return std::array<float, 3>{float(v), float(v), float(v)};
  }
  PHOTOIDX_ASSIGN_OR_RETURN(std::vector<double> v, j.GetDoubleArray(key, {}));
  if (v.empty()) return fallback;
  if (v.size() != 3) {
    return Status::InvalidArgument(j.where(), std::string(key) + " must have 3 values, got " +
                                                  std::to_string(v.size()));
  }
  return std::array<float, 3>{float(v[0]), float(v[1]), float(v[2])};
}

Status ReadNormalisation(const JsonObject& j, PreprocessorConfig* cfg) {
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->do_rescale, j.GetBool("do_rescale", true));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->rescale_factor, j.GetDouble("rescale_factor", 1.0 / 255.0));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->do_normalize, j.GetBool("do_normalize", true));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->mean, ReadTriple(j, "image_mean", kOpenAiClipMean));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->std, ReadTriple(j, "image_std", kOpenAiClipStd));
  for (float s : cfg->std) {
    if (!(s != 0.0f)) return Status::InvalidArgument(j.where(), "image_std contains 0");
  }
  return Status::OK();
}

Result<PreprocessorConfig> FromJson(const JsonObject& j) {
  PreprocessorConfig cfg;
  PHOTOIDX_ASSIGN_OR_RETURN(cfg.processor, DetectProcessor(j));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg.do_resize, j.GetBool("do_resize", true));
  PHOTOIDX_RETURN_IF_ERROR(ReadSize(j, &cfg));
  if (cfg.processor == Processor::kClip) {
    PHOTOIDX_RETURN_IF_ERROR(ReadCrop(j, &cfg));
  }  // BlipImageProcessor has no centre crop; a stray key is ignored as there.
  PHOTOIDX_ASSIGN_OR_RETURN(int64_t resample, j.GetInt("resample", kResampleBicubic));
  if (resample != kResampleBicubic) {
    return Status::NotSupported(j.where(), "resample " + std::to_string(resample) +
                                          " is not supported (only 3 = bicubic)");
  }
  cfg.resample = int(resample);
  PHOTOIDX_RETURN_IF_ERROR(ReadNormalisation(j, &cfg));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg.do_convert_rgb, j.GetBool("do_convert_rgb", true));
  return cfg;
}

}  // namespace

Result<PreprocessorConfig> ParsePreprocessorConfig(std::string_view json_text,
                                                   const std::string& name) {
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject j, ParseJsonObject(json_text, name));
  return FromJson(j);
}

Result<PreprocessorConfig> LoadPreprocessorConfig(const std::string& model_dir) {
  PHOTOIDX_ASSIGN_OR_RETURN(JsonObject j, LoadJsonObject(model_dir + "/preprocessor_config.json"));
  return FromJson(j);
}

}  // namespace photoidx::models::hf
