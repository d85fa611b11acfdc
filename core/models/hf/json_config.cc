#include "core/models/hf/json_config.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

namespace photoidx::models::hf {

using Json = nlohmann::json;

struct JsonObject::Doc {
  std::string name;
  Json root;
};

namespace {

const Json& AsJson(const void* node) { return *static_cast<const Json*>(node); }

const char* KindName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    case Json::value_t::string: return "string";
    case Json::value_t::array: return "array";
    case Json::value_t::object: return "object";
    default: return "invalid";
  }
}

// JSON integer, or a float holding an integral value that fits in int64.
bool ToInt(const Json& j, int64_t* out) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > uint64_t(INT64_MAX)) return false;
    *out = int64_t(u);
    return true;
  }
  if (j.is_number_integer()) {
    *out = j.get<int64_t>();
    return true;
  }
  if (j.is_number_float()) {
    double d = j.get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e18) return false;
    *out = int64_t(d);
    return true;
  }
  return false;
}

}  // namespace

JsonObject::JsonObject() = default;

JsonObject::JsonObject(std::shared_ptr<const Doc> doc, const void* node, std::string key_path)
    : doc_(std::move(doc)), node_(node), key_path_(std::move(key_path)) {}

std::string JsonObject::where() const {
  std::string file = doc_ ? doc_->name : std::string("<empty>");
  return key_path_.empty() ? file : file + ": " + key_path_;
}

const void* JsonObject::Find(std::string_view key) const {
  if (node_ == nullptr) return nullptr;
  const Json& obj = AsJson(node_);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status JsonObject::TypeError(std::string_view key, const char* expected) const {
  const Json& v = AsJson(Find(key));
  std::string path = key_path_.empty() ? std::string(key) : key_path_ + "." + std::string(key);
  return Status::InvalidArgument(doc_->name, path + ": expected " + expected + ", got " +
                                                 KindName(v) + " " + v.dump().substr(0, 60));
}

JsonObject::Kind JsonObject::TypeOf(std::string_view key) const {
  if (node_ == nullptr) return Kind::kMissing;
  const Json& obj = AsJson(node_);
  auto it = obj.find(key);
  if (it == obj.end()) return Kind::kMissing;
  switch (it->type()) {
    case Json::value_t::null: return Kind::kNull;
    case Json::value_t::boolean: return Kind::kBool;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return Kind::kInt;
    case Json::value_t::number_float: return Kind::kDouble;
    case Json::value_t::string: return Kind::kString;
    case Json::value_t::array: return Kind::kArray;
    default: return Kind::kObject;
  }
}

bool JsonObject::Has(std::string_view key) const { return Find(key) != nullptr; }

std::vector<std::string> JsonObject::Keys() const {
  std::vector<std::string> keys;
  if (node_ == nullptr) return keys;
  for (const auto& [k, v] : AsJson(node_).items()) keys.push_back(k);
  return keys;
}

Result<int64_t> JsonObject::GetInt(std::string_view key, int64_t fallback) const {
  const void* v = Find(key);
  if (v == nullptr) return fallback;
  int64_t out = 0;
  if (!ToInt(AsJson(v), &out)) return TypeError(key, "an integer");
  return out;
}

Result<double> JsonObject::GetDouble(std::string_view key, double fallback) const {
  const void* v = Find(key);
  if (v == nullptr) return fallback;
  if (!AsJson(v).is_number()) return TypeError(key, "a number");
  return AsJson(v).get<double>();
}

Result<bool> JsonObject::GetBool(std::string_view key, bool fallback) const {
  const void* v = Find(key);
  if (v == nullptr) return fallback;
  if (!AsJson(v).is_boolean()) return TypeError(key, "true or false");
  return AsJson(v).get<bool>();
}

Result<std::string> JsonObject::GetString(std::string_view key, std::string fallback) const {
  const void* v = Find(key);
  if (v == nullptr) return fallback;
  if (!AsJson(v).is_string()) return TypeError(key, "a string");
  return AsJson(v).get<std::string>();
}

Result<std::vector<int64_t>> JsonObject::GetIntArray(std::string_view key,
                                                     std::vector<int64_t> fallback) const {
  const void* v = Find(key);
  if (v == nullptr) return fallback;
  if (!AsJson(v).is_array()) return TypeError(key, "an array of integers");
  std::vector<int64_t> out;
  for (const Json& e : AsJson(v)) {
    int64_t x = 0;
    if (!ToInt(e, &x)) return TypeError(key, "an array of integers");
    out.push_back(x);
  }
  return out;
}

Result<std::vector<double>> JsonObject::GetDoubleArray(std::string_view key,
                                                       std::vector<double> fallback) const {
  const void* v = Find(key);
  if (v == nullptr) return fallback;
  if (!AsJson(v).is_array()) return TypeError(key, "an array of numbers");
  std::vector<double> out;
  for (const Json& e : AsJson(v)) {
    if (!e.is_number()) return TypeError(key, "an array of numbers");
    out.push_back(e.get<double>());
  }
  return out;
}

Result<std::vector<std::string>> JsonObject::GetStringArray(
    std::string_view key, std::vector<std::string> fallback) const {
  const void* v = Find(key);
  if (v == nullptr) return fallback;
  if (!AsJson(v).is_array()) return TypeError(key, "an array of strings");
  std::vector<std::string> out;
  for (const Json& e : AsJson(v)) {
    if (!e.is_string()) return TypeError(key, "an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<JsonObject> JsonObject::GetObject(std::string_view key) const {
  std::string path = key_path_.empty() ? std::string(key) : key_path_ + "." + std::string(key);
  const void* v = Find(key);
  if (v == nullptr) return JsonObject(doc_, nullptr, path);
  if (!AsJson(v).is_object()) return TypeError(key, "an object");
  return JsonObject(doc_, v, path);
}

Result<std::vector<JsonObject>> JsonObject::GetObjectArray(std::string_view key) const {
  std::string path = key_path_.empty() ? std::string(key) : key_path_ + "." + std::string(key);
  const void* v = Find(key);
  std::vector<JsonObject> out;
  if (v == nullptr) return out;
  if (!AsJson(v).is_array()) return TypeError(key, "an array of objects");
  for (size_t i = 0; i < AsJson(v).size(); ++i) {
    const Json& e = AsJson(v)[i];
    if (!e.is_object()) return TypeError(key, "an array of objects");
    out.push_back(JsonObject(doc_, &e, path + "[" + std::to_string(i) + "]"));
  }
  return out;
}

std::string JsonObject::DumpValue(std::string_view key) const {
  const void* v = Find(key);
  return v == nullptr ? std::string() : AsJson(v).dump();
}

std::string JsonObject::Dump() const { return node_ == nullptr ? "{}" : AsJson(node_).dump(); }

Result<JsonObject> ParseJsonObject(std::string_view text, std::string name) {
  auto doc = std::make_shared<JsonObject::Doc>();
  doc->name = std::move(name);
  try {
    doc->root = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line 3, column 5: ...".
    return Status::InvalidArgument(doc->name, std::string("invalid JSON: ") + e.what());
  }
  if (!doc->root.is_object()) {
    return Status::InvalidArgument(doc->name, std::string("expected a JSON object, got ") +
                                                  KindName(doc->root));
  }
  const void* root = &doc->root;
  return JsonObject(std::move(doc), root, "");
}

Result<JsonObject> LoadJsonObject(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status::IOError(path, "is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::string why = std::strerror(errno);
    return errno == ENOENT ? Status::NotFound(path, "no such file")
                           : Status::IOError(path, "cannot read: " + why);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError(path, "read failed");
  return ParseJsonObject(ss.str(), path);
}

}  // namespace photoidx::models::hf
