// ClipTokenizer: the CLIP byte-level BPE tokenizer, equal to the slow
// transformers 4.40 CLIPTokenizer without ftfy (the reference of the
// fixtures, ../shared/fixtures/README.md "CLIP tokenizer"):
//   1. added/special tokens (<|startoftext|>, <|endoftext|>, a "!" pad
//      token, ...) are cut out of the raw text first;
//   2. every other piece goes through BERT's BasicTokenizer (clean-up, CJK
//      spacing, NFC, whitespace split, Python str.lower());
//   3. GPT-2/CLIP pre-tokenizer regex, 4. byte-level BPE, vocab.json ids;
//   5. bos + ids + eos; EncodeForModel truncates and pads for the model.
//
//   PHOTOIDX_ASSIGN_OR_RETURN(ClipTokenizer tok, ClipTokenizer::Load(dir));
//   Encoding e = tok.EncodeForModel("a dog on the beach");  // 77 ids + mask
//
// Load reads vocab.json, merges.txt and the optional tokenizer_config.json /
// special_tokens_map.json / added_tokens.json of a model folder (both the
// legacy AddedToken-dict layout and 4.34+ `added_tokens_decoder`).
// Text is UTF-8; invalid bytes become U+FFFD, which the clean-up removes.
// Cost: Load indexes vocab.json (1 MB) and merges.txt (0.5 MB) in about
// 8 ms of CPU; a query encodes in ~10 us. EncodeForModel stops tokenizing
// once it has max_length - 2 ids (same result, bounded work for long text).
//
// Ownership and threads: a loaded tokenizer is an immutable value, movable
// and copyable; any number of threads may call its const methods.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_CLIP_TOKENIZER_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_CLIP_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace photoidx::models::tokenizer {

// Model input for one text: ids and attention mask of equal length.
struct Encoding {
  std::vector<int64_t> ids;
  std::vector<int64_t> attention_mask;  // 1 on real tokens (bos/eos included), 0 on padding
};

class ClipTokenizer {
 public:
  // The CLIP context length of every released checkpoint.
  static constexpr int kDefaultMaxLength = 77;

  // Loads the tokenizer files of `model_dir`. NotFound when vocab.json or
  // merges.txt is missing; Corruption naming the file when one is malformed.
  static Result<ClipTokenizer> Load(const std::string& model_dir);

  // tokenizer(text).input_ids: bos + ids + eos, NOT truncated.
  std::vector<int64_t> Encode(std::string_view text) const;
  // tokenizer(text, padding="max_length", truncation=True, max_length=N):
  // at most N - 2 content ids, then padded to N with pad_id().
  // REQUIRES nothing: max_length < 2 is treated as 2.
  Encoding EncodeForModel(std::string_view text, int max_length = kDefaultMaxLength) const;

  int64_t bos_id() const;
  int64_t eos_id() const;
  int64_t pad_id() const;  // 49407 (<|endoftext|>) or 0 ("!" pad, LAION/OpenCLIP style)

  // The BPE token strings (byte-level unicode, UTF-8) of `text`, added
  // tokens included, no bos/eos: tokenizer.tokenize(text).
  std::vector<std::string> Tokenize(std::string_view text) const;

 private:
  struct Impl;
  explicit ClipTokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

  // The first `limit` content ids of `text` (no bos/eos).
  std::vector<int64_t> ContentIds(std::string_view text, size_t limit) const;

  std::shared_ptr<const Impl> impl_;  // immutable, shared by copies
};

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_CLIP_TOKENIZER_H_
