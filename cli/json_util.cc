#include "cli/json_util.h"

#include "core/base/strings.h"

namespace photoidx::cli {

void SetPath(nlohmann::json& obj, const std::string& path, const char* key) {
  if (IsValidUtf8(path)) {
    obj[key] = path;
    return;
  }
  obj[key] = LossyUtf8(path);
  obj[std::string(key) + "_b64"] = Base64Encode(path);
}

std::string Dump(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void PutMetadata(nlohmann::json& obj, const image::Metadata& m) {
  auto opt = [](const std::optional<std::string>& v) -> nlohmann::json {
    return v ? nlohmann::json(LossyUtf8(*v)) : nlohmann::json(nullptr);
  };
  obj["format"] = image::FormatName(m.format);
  obj["width"] = m.width;
  obj["height"] = m.height;
  obj["orientation"] = m.orientation;
  obj["date_taken"] = opt(m.date_taken);
  obj["make"] = opt(m.make);
  obj["model"] = opt(m.model);
  obj["lens"] = opt(m.lens);
  if (m.gps) {
    nlohmann::json gps = {{"latitude", m.gps->latitude}, {"longitude", m.gps->longitude}};
    gps["altitude"] = m.gps->altitude ? nlohmann::json(*m.gps->altitude) : nlohmann::json(nullptr);
    obj["gps"] = gps;
  } else {
    obj["gps"] = nullptr;
  }
}

}  // namespace photoidx::cli
