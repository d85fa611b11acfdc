// BERT BasicTokenizer (see the header), step for step as transformers 4.40
// BasicTokenizer.tokenize: _clean_text, _tokenize_chinese_chars, NFC,
// whitespace_tokenize, lower/strip accents, _run_split_on_punc, and a final
// whitespace_tokenize that drops words emptied by accent stripping.
#include <algorithm>
#include <utility>

#include "core/models/tokenizer/basic_tokenizer_internal.h"
#include "core/models/tokenizer/unicode.h"

namespace photoidx::models::tokenizer {
namespace {

bool IsBertWhitespace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' ||
         unicode::GetCategory(c) == unicode::Category::kZs;
}

bool IsBertControl(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  return unicode::IsOther(c);
}

// _clean_text followed by _tokenize_chinese_chars.
std::u32string Clean(std::u32string_view text, bool space_cjk) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c == 0 || c == unicode::kReplacementChar || IsBertControl(c)) continue;
    if (IsBertWhitespace(c)) {
      out.push_back(U' ');
    } else if (space_cjk && unicode::IsCjkIdeograph(c)) {
      out.push_back(U' ');
      out.push_back(c);
      out.push_back(U' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// str.split() with no arguments.
std::vector<std::u32string> SplitPythonWhitespace(std::u32string_view text) {
  std::vector<std::u32string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && unicode::IsPythonSpace(text[i])) ++i;
    const size_t start = i;
    while (i < text.size() && !unicode::IsPythonSpace(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

std::u32string StripAccents(std::u32string_view word) {
  std::u32string out;
  for (char32_t c : unicode::Nfd(word)) {
    if (unicode::GetCategory(c) != unicode::Category::kMn) out.push_back(c);
  }
  return out;
}

bool Contains(const std::vector<std::u32string>& list, const std::u32string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

bool BasicTokenizer::IsPunctuation(char32_t cp) {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
      (cp >= 123 && cp <= 126)) {
    return true;
  }
  return unicode::IsPunctuation(cp);
}

void BasicTokenizer::AddWord(std::u32string word, const std::vector<std::u32string>& never_split,
                             std::vector<std::u32string>* out) const {
  if (Contains(never_split, word)) {
    out->push_back(std::move(word));
    return;
  }
  if (options_.lower_case) word = unicode::PythonLower(word);
  if (options_.strip_accents) word = StripAccents(word);
  if (Contains(never_split, word)) {  // _run_split_on_punc checks again
    out->push_back(std::move(word));
    return;
  }
  // After lowering or stripping a word can be empty or (in theory) hold
  // whitespace; the final whitespace_tokenize of " ".join(...) drops both.
  std::u32string current;
  auto flush = [&]() {
    for (std::u32string& w : SplitPythonWhitespace(current)) out->push_back(std::move(w));
    current.clear();
  };
  for (char32_t c : word) {
    if (options_.split_on_punc && IsPunctuation(c)) {
      flush();
      out->push_back(std::u32string(1, c));
    } else {
      current.push_back(c);
    }
  }
  flush();
}

std::vector<std::u32string> BasicTokenizer::Tokenize(
    std::u32string_view text, const std::vector<std::u32string>& never_split) const {
  const std::u32string normalized = unicode::Nfc(Clean(text, options_.tokenize_chinese_chars));
  std::vector<std::u32string> out;
  for (std::u32string& word : SplitPythonWhitespace(normalized)) {
    AddWord(std::move(word), never_split, &out);
  }
  return out;
}

}  // namespace photoidx::models::tokenizer
