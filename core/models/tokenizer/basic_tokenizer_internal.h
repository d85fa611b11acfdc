// BasicTokenizer: transformers' BERT BasicTokenizer (models/bert/
// tokenization_bert.py, 4.40), which both slow tokenizers use:
//   clean-up (drop U+0000, U+FFFD and category C* except \t\n\r; \t\n\r,
//   space and Zs -> space), spaces around CJK ideographs, NFC, split on
//   Python whitespace, per word: lower-case (str.lower, with its final-sigma
//   rule), strip accents (NFD, drop Mn), split on punctuation.
// Internal to the tokenizer module. Immutable; thread-safe.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_BASIC_TOKENIZER_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_BASIC_TOKENIZER_INTERNAL_H_

#include <string>
#include <string_view>
#include <vector>

namespace photoidx::models::tokenizer {

struct BasicTokenizerOptions {
  bool lower_case = true;
  bool strip_accents = false;  // resolved: BERT strips when lower-casing unless told not to
  bool split_on_punc = true;
  bool tokenize_chinese_chars = true;
};

class BasicTokenizer {
 public:
  explicit BasicTokenizer(BasicTokenizerOptions options) : options_(options) {}

  // Words of `text`. A whitespace-separated word equal to one of
  // `never_split` is kept as is (not lowered, stripped or split).
  std::vector<std::u32string> Tokenize(std::u32string_view text,
                                       const std::vector<std::u32string>& never_split) const;

  // BERT's _is_punctuation: ASCII 33-47, 58-64, 91-96, 123-126 or category P*.
  static bool IsPunctuation(char32_t cp);

 private:
  void AddWord(std::u32string word, const std::vector<std::u32string>& never_split,
               std::vector<std::u32string>* out) const;

  BasicTokenizerOptions options_;
};

}  // namespace photoidx::models::tokenizer

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_BASIC_TOKENIZER_INTERNAL_H_
