// BertTokenizer: the WordPiece tokenizer of BLIP's text decoder, equal to
// the slow transformers 4.40 BertTokenizer (../shared/fixtures/README.md
// "BERT tokenizer"): special/added tokens ([PAD] [UNK] [CLS] [SEP] [MASK]
// [DEC] [ENC]) cut out first, BasicTokenizer (clean-up, CJK spacing, NFC,
// lower-case and strip accents when do_lower_case, split on punctuation),
// greedy longest-match WordPiece with "##" continuations, [UNK] for words
// without a segmentation or longer than 100 characters.
//
//   PHOTOIDX_ASSIGN_OR_RETURN(BertTokenizer tok, BertTokenizer::Load(dir));
//   tok.Encode("a picture of")  // {101, 1037, 3861, 1997, 102}
//   tok.Decode(ids, /*skip_special_tokens=*/true)  // "a picture of"
//
// Load reads vocab.txt and the optional tokenizer_config.json,
// special_tokens_map.json and added_tokens.json of a model folder.
// Text is UTF-8; invalid bytes become U+FFFD, which the clean-up removes.
//
// Ownership and threads: a loaded tokenizer is an immutable value, movable
// and copyable; any number of threads may call its const methods.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_BERT_TOKENIZER_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_BERT_TOKENIZER_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace photoidx::models::tokenizer {

class BertTokenizer {
 public:
  // Loads the tokenizer files of `model_dir`. NotFound when vocab.txt is
  // missing; Corruption naming the file when a file is malformed.
  static Result<BertTokenizer> Load(const std::string& model_dir);

  // tokenizer(text).input_ids: [CLS] + ids + [SEP], not truncated.
  std::vector<int64_t> Encode(std::string_view text) const;
  // tokenizer.decode(ids, skip_special_tokens=...): special ids dropped when
  // asked, tokens joined with spaces, " ##" removed, then
  // clean_up_tokenization (" ." -> "." etc.) when the config enables it
  // (the default). Unknown ids decode as "[UNK]".
  std::string Decode(std::span<const int64_t> ids, bool skip_special_tokens) const;
  // tokenizer.tokenize(text): the WordPiece strings, added tokens included.
  std::vector<std::string> Tokenize(std::string_view text) const;

  int64_t cls_id() const;
  int64_t sep_id() const;
  int64_t pad_id() const;
  // The id of a token string (added tokens first, then vocab.txt, else [UNK]).
  int64_t TokenToId(std::string_view token) const;

 private:
  struct Impl;
  explicit BertTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  std::shared_ptr<const Impl> impl_;  // immutable, shared by copies
};

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_BERT_TOKENIZER_H_
