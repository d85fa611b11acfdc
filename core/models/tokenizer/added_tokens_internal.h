// AddedTokens: the added/special tokens of a slow transformers tokenizer
// (`_added_tokens_encoder/_decoder`, `all_special_tokens`, the trie that cuts
// them out of the raw text before the model's own tokenization).
// Internal to the tokenizer module. Immutable after Build(); thread-safe.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_ADDED_TOKENS_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_ADDED_TOKENS_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/models/tokenizer/tokenizer_config_internal.h"

namespace photoidx::models::tokenizer {

class AddedTokens {
 public:
  // Base vocabulary id of a token, or nullopt.
  using VocabLookup = std::function<std::optional<int64_t>(const std::string&)>;

  // A piece of the input: either ordinary text or one added token.
  struct Piece {
    std::u32string_view text;
    int64_t added_id = -1;  // >= 0 for an added token
  };

  // As PreTrainedTokenizer.__init__: the config's added tokens first, then
  // every special token not yet present, with its vocabulary id when the
  // vocabulary has it, else the next free id after `vocab_size`.
  static AddedTokens Build(const TokenizerConfig& cfg, const VocabLookup& vocab, size_t vocab_size);

  // Cuts added tokens out of `text` (exact, case-sensitive; the longest token
  // at the earliest position, as transformers' Trie.split), applies their
  // lstrip/rstrip to the neighbouring text and drops empty text pieces.
  std::vector<Piece> Split(std::u32string_view text) const;

  // The id of an added token's content.
  std::optional<int64_t> IdOf(std::string_view content) const;
  // The content of an added token id, or nullptr.
  const std::string* ContentOf(int64_t id) const;

  // all_special_tokens (UTF-8 and code points) and all_special_ids.
  const std::vector<std::string>& special_tokens() const { return special_tokens_; }
  const std::vector<std::u32string>& special_tokens_u32() const { return special_tokens_u32_; }
  bool IsSpecialId(int64_t id) const;
  // transformers' "legacy added tokens" of _decode, which are decoded as
  // separate sub-texts: added tokens that are not special, plus additional
  // special tokens whose id is >= the base vocabulary size ([ENC] in BLIP).
  bool IsLegacyAddedForDecode(std::string_view content) const;
  // Contents of non-special added tokens with normalized=true.
  std::vector<std::u32string> NormalizedNonSpecial() const;

 private:
  struct Entry {
    std::string content;
    std::u32string content_u32;
    int64_t id = 0;
    AddedTokenSpec spec;
  };
  void Add(int64_t id, const AddedTokenSpec& spec);
  void Index();
  // Index into entries_ of the longest token starting at text[pos], or -1.
  int MatchAt(std::u32string_view text, size_t pos) const;

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> by_content_;
  std::unordered_map<int64_t, size_t> by_id_;
  std::unordered_map<char32_t, std::vector<size_t>> by_first_char_;  // longest first
  std::vector<std::string> special_tokens_;
  std::vector<std::u32string> special_tokens_u32_;
  std::vector<int64_t> special_ids_;
  std::vector<std::string> legacy_for_decode_;
};

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_ADDED_TOKENS_INTERNAL_H_
