// JsonObject: typed, error-reporting access to Hugging Face JSON files
// (config.json, preprocessor_config.json, generation_config.json, ...).
//
// The JSON library stays private to photoidx_hf: callers see only this
// small API. Every getter takes a fallback used when the key is absent or
// null (transformers' defaults), and returns InvalidArgument naming the file
// and the key path ("config.json: text_config.hidden_size: expected an
// integer, got string") when the key is present with the wrong type.
//
//   PHOTOIDX_ASSIGN_OR_RETURN(JsonObject cfg, LoadJsonObject(dir + "/config.json"));
//   PHOTOIDX_ASSIGN_OR_RETURN(JsonObject text, cfg.GetObject("text_config"));
//   PHOTOIDX_ASSIGN_OR_RETURN(int64_t hidden, text.GetInt("hidden_size", 512));
//
// Ownership: a JsonObject shares the parsed document (shared_ptr); copies
// and sub-objects are cheap and keep it alive. Thread safety: immutable;
// any number of threads may read the same document.
#ifndef PHOTOIDX_CORE_MODELS_HF_JSON_CONFIG_H_
#define PHOTOIDX_CORE_MODELS_HF_JSON_CONFIG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace photoidx::models::hf {

class JsonObject {
 public:
  enum class Kind { kMissing, kNull, kBool, kInt, kDouble, kString, kArray, kObject };

  // An empty object (every getter returns its fallback).
  JsonObject();

  // The kind of value stored under `key` (kMissing when absent).
  Kind TypeOf(std::string_view key) const;
  // True when `key` is present and not null.
  bool Has(std::string_view key) const;
  // Every key, sorted.
  std::vector<std::string> Keys() const;

  // Integers: a JSON integer, or a float with an integral value (224.0).
  Result<int64_t> GetInt(std::string_view key, int64_t fallback) const;
  // Any JSON number.
  Result<double> GetDouble(std::string_view key, double fallback) const;
  Result<bool> GetBool(std::string_view key, bool fallback) const;
  Result<std::string> GetString(std::string_view key, std::string fallback) const;
  // Arrays whose every element has the type; fallback when absent or null.
  Result<std::vector<int64_t>> GetIntArray(std::string_view key,
                                           std::vector<int64_t> fallback = {}) const;
  Result<std::vector<double>> GetDoubleArray(std::string_view key,
                                             std::vector<double> fallback = {}) const;
  Result<std::vector<std::string>> GetStringArray(std::string_view key,
                                                  std::vector<std::string> fallback = {}) const;
  // A nested object; an empty object when absent or null.
  Result<JsonObject> GetObject(std::string_view key) const;
  // An array of objects; empty when absent or null.
  Result<std::vector<JsonObject>> GetObjectArray(std::string_view key) const;

  // The value under `key` serialised as compact JSON ("" when absent): for
  // messages and for values whose type varies (e.g. "size": 224 or {...}).
  std::string DumpValue(std::string_view key) const;
  // The whole object as compact JSON.
  std::string Dump() const;

  // The file name plus the key path ("config.json: text_config"), for messages.
  std::string where() const;

 private:
  friend Result<JsonObject> ParseJsonObject(std::string_view, std::string);
  struct Doc;
  JsonObject(std::shared_ptr<const Doc> doc, const void* node, std::string key_path);
  // The stored value, or nullptr when absent; `node_` is an nlohmann::json*.
  const void* Find(std::string_view key) const;
  Status TypeError(std::string_view key, const char* expected) const;

  std::shared_ptr<const Doc> doc_;
  const void* node_ = nullptr;  // an object node inside doc_ (nullptr = empty)
  std::string key_path_;  // "" for the root, "text_config" for a child
};

// Parses `text`; `name` (usually the file path) prefixes every message.
// InvalidArgument when the text is not valid JSON (with the parser's
// position and reason) or its root is not an object.
Result<JsonObject> ParseJsonObject(std::string_view text, std::string name);

// Reads and parses a file. NotFound when it does not exist, IOError when it
// cannot be read, otherwise as ParseJsonObject.
Result<JsonObject> LoadJsonObject(const std::string& path);

}  // namespace photoidx::models::hf

#endif  // PHOTOIDX_CORE_MODELS_HF_JSON_CONFIG_H_
