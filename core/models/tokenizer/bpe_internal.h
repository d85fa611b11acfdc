// BpeModel: the byte-level BPE of the CLIP tokenizer (vocab.json +
// merges.txt), as transformers 4.40 CLIPTokenizer.bpe computes it: the
// pre-token's UTF-8 bytes mapped through GPT-2's bytes_to_unicode, `</w>`
// appended to the last symbol, then repeatedly the adjacent pair of lowest
// merge rank is merged everywhere (left to right) until no pair has a rank.
//
// Loading is on the `photoidx search` path, so it only indexes the files:
// token -> id, and "left right" (the pair as one string) -> rank. Encoding
// works on the pieces' strings like the Python original; queries are short.
// Internal to the tokenizer module. Immutable after Load(); thread-safe.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_BPE_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_BPE_INTERNAL_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/models/tokenizer/string_tables_internal.h"

namespace photoidx::models::tokenizer {

class BpeModel {
 public:
  // Parses vocab.json (an object token -> id) and the first `max_merges`
  // lines of merges.txt after its header line. Errors name the file.
  static Result<BpeModel> Load(const std::string& vocab_path, const std::string& merges_path,
                               size_t max_merges);

  // vocab.json id of a token string (byte-level unicode, UTF-8).
  std::optional<int64_t> TokenId(std::string_view token) const { return vocab_.Find(token); }
  // Number of distinct keys of vocab.json.
  size_t vocab_size() const { return vocab_.size(); }

  // One BPE piece: its text (byte-level unicode, UTF-8) and vocabulary id
  // (-1 when the vocabulary lacks it).
  struct Piece {
    std::string text;
    int64_t id;
  };
  // BPE of one pre-token given as its UTF-8 bytes; appends its pieces.
  void Encode(std::string_view bytes, std::vector<Piece>* pieces) const;

  // GPT-2 bytes_to_unicode(): the code point standing for a byte.
  static char32_t ByteToUnicode(uint8_t b);

 private:
  void ParseMerges(std::string_view text, size_t max_merges);
  // Merge rank of the adjacent pair (left, right), or nullopt.
  std::optional<int64_t> Rank(const std::string& left, const std::string& right,
                              std::string* scratch) const;

  StringTable vocab_;                       // token -> id
  StringTable merges_;                      // "left right" -> rank
  std::array<std::string, 256> byte_text_;  // UTF-8 of ByteToUnicode(b)
};

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_BPE_INTERNAL_H_
