// Tokenizer config files -> TokenizerConfig, following transformers 4.40
// `_from_pretrained` (tokenization_utils_base.py): see the header.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/models/tokenizer/tokenizer_config_internal.h"

namespace photoidx::models::tokenizer {
namespace {

using nlohmann::json;

constexpr const char kTokenizerConfig[] = "tokenizer_config.json";
constexpr const char kSpecialTokensMap[] = "special_tokens_map.json";
constexpr const char kAddedTokens[] = "added_tokens.json";

bool FileExists(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return f.good();
}

// Parses `path` as a JSON object; an absent file gives an empty object.
Result<json> LoadJsonFile(const std::string& dir, const char* name) {
  const std::string path = dir + "/" + name;
  if (!FileExists(path)) return json::object();
  PHOTOIDX_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Corruption(path, "tokenizer: invalid JSON");
  if (!doc.is_object()) return Status::Corruption(path, "tokenizer: expected a JSON object");
  return doc;
}

Status FieldError(const char* file, std::string_view key, const char* expected) {
  return Status::Corruption(std::string(file) + ": " + std::string(key),
                            std::string("tokenizer: expected ") + expected);
}

Result<bool> GetBool(const json& obj, const char* key, bool fallback, const char* file) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return FieldError(file, key, "a boolean");
  return it->get<bool>();
}

// A token given as a string or as an AddedToken dict.
Result<AddedTokenSpec> ParseToken(const json& v, bool special, const char* file,
                                  std::string_view key) {
  AddedTokenSpec t;
  t.special = special;
  if (v.is_string()) {
    t.content = v.get<std::string>();
    return t;
  }
  if (!v.is_object()) return FieldError(file, key, "a string or an AddedToken object");
  auto content = v.find("content");
  if (content == v.end() || !content->is_string()) {
    return FieldError(file, key, "an AddedToken with a string \"content\"");
  }
  t.content = content->get<std::string>();
  PHOTOIDX_ASSIGN_OR_RETURN(t.lstrip, GetBool(v, "lstrip", false, file));
  PHOTOIDX_ASSIGN_OR_RETURN(t.rstrip, GetBool(v, "rstrip", false, file));
  PHOTOIDX_ASSIGN_OR_RETURN(t.special, GetBool(v, "special", special, file));
  PHOTOIDX_ASSIGN_OR_RETURN(t.normalized, GetBool(v, "normalized", !t.special, file));
  return t;
}

// Special token attributes and additional_special_tokens of one file; values
// replace those already in `cfg` (special_tokens_map.json over the config).
Status ReadSpecialAttributes(const json& obj, const char* file, TokenizerConfig* cfg) {
  for (const char* attr : TokenizerConfig::kSpecialAttributes) {
    auto it = obj.find(attr);
    if (it == obj.end()) continue;
    if (it->is_null()) {
      cfg->special_tokens.erase(attr);
      continue;
    }
    PHOTOIDX_ASSIGN_OR_RETURN(AddedTokenSpec t, ParseToken(*it, true, file, attr));
    t.special = true;
    cfg->special_tokens[attr] = t;
  }
  auto extra = obj.find("additional_special_tokens");
  if (extra == obj.end() || extra->is_null()) return Status::OK();
  if (!extra->is_array()) return FieldError(file, "additional_special_tokens", "an array");
  for (const json& v : *extra) {
    PHOTOIDX_ASSIGN_OR_RETURN(AddedTokenSpec t,
                              ParseToken(v, true, file, "additional_special_tokens"));
    t.special = true;
    bool seen = false;
    for (const AddedTokenSpec& s : cfg->additional_special_tokens) seen |= s.content == t.content;
    if (!seen) cfg->additional_special_tokens.push_back(t);
  }
  return Status::OK();
}

Status ReadAddedTokensDecoder(const json& decoder, TokenizerConfig* cfg) {
  if (!decoder.is_object())
    return FieldError(kTokenizerConfig, "added_tokens_decoder", "an object");
  for (auto it = decoder.begin(); it != decoder.end(); ++it) {
    int64_t id = 0;
    const std::string& key = it.key();
    const char* end = key.c_str() + key.size();
    char* parsed_end = nullptr;
    errno = 0;
    id = std::strtoll(key.c_str(), &parsed_end, 10);
    if (key.empty() || parsed_end != end || errno != 0 || id < 0) {
      return FieldError(kTokenizerConfig, "added_tokens_decoder." + key, "an integer id key");
    }
    PHOTOIDX_ASSIGN_OR_RETURN(AddedTokenSpec t, ParseToken(it.value(), false, kTokenizerConfig,
                                                           "added_tokens_decoder." + key));
    cfg->added_tokens_decoder.emplace_back(id, t);
  }
  return Status::OK();
}

// Legacy added_tokens.json: {"[DEC]": 30522, ...}.
Status ReadLegacyAddedTokens(const json& added, TokenizerConfig* cfg) {
  for (auto it = added.begin(); it != added.end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0) {
      return FieldError(kAddedTokens, it.key(), "a non-negative integer id");
    }
    AddedTokenSpec t;
    t.content = it.key();
    for (const auto& [attr, s] : cfg->special_tokens) t.special |= s.content == t.content;
    for (const AddedTokenSpec& s : cfg->additional_special_tokens)
      t.special |= s.content == t.content;
    t.normalized = !t.special;
    cfg->added_tokens_decoder.emplace_back(it.value().get<int64_t>(), t);
  }
  return Status::OK();
}

Status ReadFlags(const json& tc, TokenizerConfig* cfg) {
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->do_lower_case,
                            GetBool(tc, "do_lower_case", true, kTokenizerConfig));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->tokenize_chinese_chars,
                            GetBool(tc, "tokenize_chinese_chars", true, kTokenizerConfig));
  PHOTOIDX_ASSIGN_OR_RETURN(cfg->clean_up_tokenization_spaces,
                            GetBool(tc, "clean_up_tokenization_spaces", true, kTokenizerConfig));
  auto it = tc.find("strip_accents");
  if (it != tc.end() && !it->is_null()) {
    if (!it->is_boolean())
      return FieldError(kTokenizerConfig, "strip_accents", "a boolean or null");
    cfg->strip_accents = it->get<bool>();
  }
  return Status::OK();
}

}  // namespace

std::string TokenizerConfig::SpecialContent(const std::string& attribute,
                                            const std::string& fallback) const {
  auto it = special_tokens.find(attribute);
  return it == special_tokens.end() ? fallback : it->second.content;
}

Result<std::string> ReadFileToString(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f)
    return Status::NotFound(path, std::string("tokenizer: cannot open: ") + std::strerror(errno));
  const std::streamoff size = f.tellg();
  if (size < 0) return Status::IOError(path, "tokenizer: cannot read (not a regular file?)");
  std::string text(static_cast<size_t>(size), '\0');
  f.seekg(0);
  if (!f.read(text.data(), size)) return Status::IOError(path, "tokenizer: read failed");
  return text;
}

Result<TokenizerConfig> LoadTokenizerConfig(const std::string& model_dir) {
  TokenizerConfig cfg;
  PHOTOIDX_ASSIGN_OR_RETURN(json tc, LoadJsonFile(model_dir, kTokenizerConfig));
  PHOTOIDX_RETURN_IF_ERROR(ReadFlags(tc, &cfg));
  PHOTOIDX_RETURN_IF_ERROR(ReadSpecialAttributes(tc, kTokenizerConfig, &cfg));
  auto decoder = tc.find("added_tokens_decoder");
  if (decoder != tc.end()) {
    PHOTOIDX_RETURN_IF_ERROR(ReadAddedTokensDecoder(*decoder, &cfg));
    return cfg;
  }
  // Legacy layout: special_tokens_map.json wins over tokenizer_config.json.
  PHOTOIDX_ASSIGN_OR_RETURN(json stm, LoadJsonFile(model_dir, kSpecialTokensMap));
  PHOTOIDX_RETURN_IF_ERROR(ReadSpecialAttributes(stm, kSpecialTokensMap, &cfg));
  PHOTOIDX_ASSIGN_OR_RETURN(json added, LoadJsonFile(model_dir, kAddedTokens));
  PHOTOIDX_RETURN_IF_ERROR(ReadLegacyAddedTokens(added, &cfg));
  return cfg;
}

}  // namespace photoidx::models::tokenizer
