// Byte-level BPE (see bpe_internal.h). Loading is on the `photoidx search`
// path: vocab.json goes through a dedicated parser, strings are interned in
// flat tables once, and encoding works on integer symbols only.
#include <algorithm>

#include "core/models/tokenizer/bpe_internal.h"
#include "core/models/tokenizer/tokenizer_config_internal.h"
#include "core/models/tokenizer/unicode.h"
#include "core/models/tokenizer/vocab_json_internal.h"

namespace photoidx::models::tokenizer {
namespace {

constexpr char kEndOfWord[] = "</w>";

// Python str.split() of one merges.txt line, stopping at 3 words (only
// lines of exactly two words are merges). Returns the word count (<= 3).
size_t SplitWords(std::string_view line, std::string_view words[3]) {
  size_t n = 0, i = 0, start = 0;
  bool in_word = false;
  while (i < line.size() && n < 3) {
    char32_t cp = static_cast<unsigned char>(line[i]);
    const size_t len = cp < 0x80 ? 1 : unicode::DecodeUtf8At(line, i, &cp);
    const bool space = unicode::IsPythonSpace(cp);
    if (space && in_word) words[n++] = line.substr(start, i - start);
    if (!space && !in_word) start = i;
    in_word = !space;
    i += len;
  }
  if (in_word && n < 3) words[n++] = line.substr(start);
  return n;
}

// Python's read().strip() of the whole text.
std::string_view StripPython(std::string_view text) {
  size_t begin = 0;
  while (begin < text.size()) {
    char32_t cp = 0;
    const size_t len = unicode::DecodeUtf8At(text, begin, &cp);
    if (!unicode::IsPythonSpace(cp)) break;
    begin += len;
  }
  size_t end = text.size();
  while (end > begin) {  // step back over one code point
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    char32_t cp = 0;
    unicode::DecodeUtf8At(text, start, &cp);
    if (!unicode::IsPythonSpace(cp)) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

// Next line under universal newlines (\n, \r\n, \r); advances *pos.
std::string_view NextLine(std::string_view text, size_t* pos) {
  const size_t start = *pos;
  size_t i = start;
  while (i < text.size() && text[i] != '\n' && text[i] != '\r') ++i;
  std::string_view line = text.substr(start, i - start);
  if (i < text.size() && text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
  *pos = i + 1;
  return line;
}

}  // namespace

char32_t BpeModel::ByteToUnicode(uint8_t b) {
  // Printable Latin-1 bytes stand for themselves; the other 68 bytes map,
  // in byte order, to U+0100 onwards.
  const auto printable = [](int c) {
    return (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF);
  };
  if (printable(b)) return b;
  char32_t n = 0;
  for (int c = 0; c < b; ++c) n += printable(c) ? 0 : 1;
  return 256 + n;
}

void BpeModel::ParseMerges(std::string_view text, size_t max_merges) {
  text = StripPython(text);
  size_t pos = 0;
  NextLine(text, &pos);  // "#version: 0.2": skipped whatever it says
  merges_.Reserve(max_merges, text.size());
  std::string key;
  for (size_t rank = 0; rank < max_merges && pos <= text.size(); ++rank) {
    std::string_view words[3];
    if (SplitWords(NextLine(text, &pos), words) != 2) continue;  // not a pair: never matches
    // The words hold no whitespace, so "left right" identifies the pair.
    key.assign(words[0]).append(" ").append(words[1]);
    // dict(zip(merges, range(n))): a repeated pair keeps its last rank.
    merges_.Set(key, static_cast<int64_t>(rank));
  }
}

Result<BpeModel> BpeModel::Load(const std::string& vocab_path, const std::string& merges_path,
                                size_t max_merges) {
  BpeModel m;
  {
    PHOTOIDX_ASSIGN_OR_RETURN(std::string vocab_text, ReadFileToString(vocab_path));
    PHOTOIDX_ASSIGN_OR_RETURN(VocabEntries vocab, ParseVocabJson(vocab_text, vocab_path));
    m.vocab_.Reserve(vocab.entries.size(), vocab.keys.size());
    // json.load keeps the last value of a repeated key.
    for (const VocabEntries::Entry& e : vocab.entries) m.vocab_.Set(vocab.Key(e), e.id);
  }
  PHOTOIDX_ASSIGN_OR_RETURN(std::string merges_text, ReadFileToString(merges_path));
  if (!unicode::IsValidUtf8(merges_text)) {
    return Status::Corruption(merges_path, "tokenizer: merges.txt is not valid UTF-8");
  }
  m.ParseMerges(merges_text, max_merges);
  for (int b = 0; b < 256; ++b) {
    unicode::AppendUtf8(ByteToUnicode(static_cast<uint8_t>(b)),
                        &m.byte_text_[static_cast<size_t>(b)]);
  }
  return m;
}

std::optional<int64_t> BpeModel::Rank(const std::string& left, const std::string& right,
                                      std::string* scratch) const {
  scratch->assign(left).append(" ").append(right);
  return merges_.Find(*scratch);
}

void BpeModel::Encode(std::string_view bytes, std::vector<Piece>* pieces) const {
  if (bytes.empty()) return;
  std::vector<std::string> word(bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i)
    word[i] = byte_text_[static_cast<unsigned char>(bytes[i])];
  word.back() += kEndOfWord;
  std::string scratch;
  // rank[i] belongs to the pair (word[i], word[i + 1]); -1: no merge.
  std::vector<int64_t> rank(word.size() - 1);
  for (size_t i = 0; i + 1 < word.size(); ++i)
    rank[i] = Rank(word[i], word[i + 1], &scratch).value_or(-1);
  std::vector<std::string> next_word;
  std::vector<int64_t> next_rank;
  std::vector<size_t> origin;  // old index of each kept symbol, npos when merged
  while (word.size() > 1) {
    size_t best = rank.size();
    for (size_t i = 0; i < rank.size(); ++i) {
      if (rank[i] >= 0 && (best == rank.size() || rank[i] < rank[best])) best = i;
    }
    if (best == rank.size()) break;
    const std::string first = word[best], second = word[best + 1];
    // Merge every occurrence of (first, second), left to right.
    next_word.clear();
    origin.clear();
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        next_word.push_back(first + second);
        origin.push_back(std::string::npos);
        i += 2;
      } else {
        next_word.push_back(std::move(word[i]));
        origin.push_back(i);
        i += 1;
      }
    }
    next_rank.assign(next_word.size() - 1, -1);
    for (size_t k = 0; k + 1 < next_word.size(); ++k) {
      const bool untouched = origin[k] != std::string::npos && origin[k + 1] == origin[k] + 1;
      next_rank[k] =
          untouched ? rank[origin[k]] : Rank(next_word[k], next_word[k + 1], &scratch).value_or(-1);
    }
    word.swap(next_word);
    rank.swap(next_rank);
  }
  for (std::string& s : word) {
    const int64_t id = vocab_.Find(s).value_or(-1);
    pieces->push_back(Piece{std::move(s), id});
  }
}

}  // namespace photoidx::models::tokenizer
