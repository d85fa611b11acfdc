// Reading the tokenizer files of a Hugging Face model folder the way
// transformers 4.40 `PreTrainedTokenizerBase._from_pretrained` does for a
// slow tokenizer:
//   * tokenizer_config.json (optional): special token attributes as plain
//     strings or AddedToken dicts ({"__type": "AddedToken", "content": ...}),
//     flags such as do_lower_case, and `added_tokens_decoder` (4.34+).
//   * with `added_tokens_decoder` present the file is authoritative;
//     without it (legacy files) special_tokens_map.json overrides the special
//     token attributes and added_tokens.json adds tokens by id.
// Internal to the tokenizer module. Thread safety: plain values.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_TOKENIZER_CONFIG_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_TOKENIZER_CONFIG_INTERNAL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/result.h"

namespace photoidx::models::tokenizer {

// transformers' AddedToken (single_word is not supported and ignored).
struct AddedTokenSpec {
  std::string content;  // UTF-8
  bool lstrip = false;  // eats whitespace on its left
  bool rstrip = false;  // eats whitespace on its right
  bool normalized = false;
  bool special = false;
};

struct TokenizerConfig {
  // SPECIAL_TOKENS_ATTRIBUTES order: bos, eos, unk, sep, pad, cls, mask.
  static constexpr const char* kSpecialAttributes[] = {
      "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"};

  // Attribute name -> token, for attributes that are set (not null).
  std::map<std::string, AddedTokenSpec> special_tokens;
  std::vector<AddedTokenSpec> additional_special_tokens;
  // id -> token, from added_tokens_decoder or (legacy) added_tokens.json.
  std::vector<std::pair<int64_t, AddedTokenSpec>> added_tokens_decoder;
  // Flags (BertTokenizer; CLIP ignores them). strip_accents: nullopt = None.
  bool do_lower_case = true;
  std::optional<bool> strip_accents;
  bool tokenize_chinese_chars = true;
  bool clean_up_tokenization_spaces = true;  // decode's clean-up (4.40 default)

  // The content of a special attribute ("pad_token"), or fallback.
  std::string SpecialContent(const std::string& attribute, const std::string& fallback) const;
};

// Reads the config files in `model_dir` (all optional). Errors name the file.
Result<TokenizerConfig> LoadTokenizerConfig(const std::string& model_dir);

// Whole file; NotFound / IOError naming `path`.
Result<std::string> ReadFileToString(const std::string& path);

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_TOKENIZER_CONFIG_INTERNAL_H_
