// Added and special tokens, after transformers 4.40 tokenization_utils.py
// (PreTrainedTokenizer.__init__, _add_tokens, tokenize, _decode).
#include <algorithm>

#include "core/models/tokenizer/added_tokens_internal.h"
#include "core/models/tokenizer/unicode.h"

namespace photoidx::models::tokenizer {
namespace {

std::u32string_view StripLeft(std::u32string_view s) {
  size_t i = 0;
  while (i < s.size() && unicode::IsPythonSpace(s[i])) ++i;
  return s.substr(i);
}

std::u32string_view StripRight(std::u32string_view s) {
  size_t n = s.size();
  while (n > 0 && unicode::IsPythonSpace(s[n - 1])) --n;
  return s.substr(0, n);
}

// all_special_tokens_extended: attributes in order, then the additional
// ones, without repeats.
std::vector<AddedTokenSpec> AllSpecialTokens(const TokenizerConfig& cfg) {
  std::vector<AddedTokenSpec> out;
  auto add = [&out](const AddedTokenSpec& t) {
    for (const AddedTokenSpec& s : out) {
      if (s.content == t.content) return;
    }
    out.push_back(t);
  };
  for (const char* attr : TokenizerConfig::kSpecialAttributes) {
    auto it = cfg.special_tokens.find(attr);
    if (it != cfg.special_tokens.end()) add(it->second);
  }
  for (const AddedTokenSpec& t : cfg.additional_special_tokens) add(t);
  return out;
}

}  // namespace

void AddedTokens::Add(int64_t id, const AddedTokenSpec& spec) {
  auto by_id = by_id_.find(id);
  if (by_id != by_id_.end()) {  // a later entry for the same id replaces it
    Entry& e = entries_[by_id->second];
    by_content_.erase(e.content);
    e = Entry{spec.content, unicode::DecodeUtf8(spec.content), id, spec};
    by_content_[spec.content] = by_id->second;
    return;
  }
  entries_.push_back(Entry{spec.content, unicode::DecodeUtf8(spec.content), id, spec});
  by_id_[id] = entries_.size() - 1;
  by_content_[spec.content] = entries_.size() - 1;
}

AddedTokens AddedTokens::Build(const TokenizerConfig& cfg, const VocabLookup& vocab,
                               size_t vocab_size) {
  AddedTokens t;
  for (const auto& [id, spec] : cfg.added_tokens_decoder) t.Add(id, spec);
  // len(get_vocab()): the base vocabulary plus added contents it lacks.
  int64_t next_id = static_cast<int64_t>(vocab_size);
  for (const Entry& e : t.entries_) {
    if (!vocab(e.content)) ++next_id;
  }
  const std::vector<AddedTokenSpec> specials = AllSpecialTokens(cfg);
  for (const AddedTokenSpec& s : specials) {
    if (t.by_content_.count(s.content) != 0) continue;
    std::optional<int64_t> id = vocab(s.content);
    t.Add(id ? *id : next_id++, s);
  }
  for (const AddedTokenSpec& s : specials) {
    const int64_t id = t.entries_[t.by_content_.at(s.content)].id;
    t.special_tokens_.push_back(s.content);
    t.special_tokens_u32_.push_back(unicode::DecodeUtf8(s.content));
    t.special_ids_.push_back(id);
  }
  for (const Entry& e : t.entries_) {
    const bool is_special = std::find(t.special_tokens_.begin(), t.special_tokens_.end(),
                                      e.content) != t.special_tokens_.end();
    if (!is_special) t.legacy_for_decode_.push_back(e.content);
  }
  for (const AddedTokenSpec& s : cfg.additional_special_tokens) {
    if (t.entries_[t.by_content_.at(s.content)].id >= static_cast<int64_t>(vocab_size)) {
      t.legacy_for_decode_.push_back(s.content);
    }
  }
  t.Index();
  return t;
}

void AddedTokens::Index() {
  by_first_char_.clear();
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].content_u32.empty()) continue;
    by_first_char_[entries_[i].content_u32[0]].push_back(i);
  }
  for (auto& [c, list] : by_first_char_) {
    std::stable_sort(list.begin(), list.end(), [this](size_t a, size_t b) {
      return entries_[a].content_u32.size() > entries_[b].content_u32.size();
    });
  }
}

int AddedTokens::MatchAt(std::u32string_view text, size_t pos) const {
  auto it = by_first_char_.find(text[pos]);
  if (it == by_first_char_.end()) return -1;
  for (size_t i : it->second) {
    const std::u32string& c = entries_[i].content_u32;
    if (text.substr(pos, c.size()) == c) return static_cast<int>(i);
  }
  return -1;
}

std::vector<AddedTokens::Piece> AddedTokens::Split(std::u32string_view text) const {
  std::vector<Piece> pieces;
  std::vector<int> entry_of;  // entry index per piece, -1 for text
  size_t start = 0, pos = 0;
  while (pos < text.size()) {
    const int m = MatchAt(text, pos);
    if (m < 0) {
      ++pos;
      continue;
    }
    if (pos > start) {
      pieces.push_back(Piece{text.substr(start, pos - start), -1});
      entry_of.push_back(-1);
    }
    const Entry& e = entries_[static_cast<size_t>(m)];
    pieces.push_back(Piece{text.substr(pos, e.content_u32.size()), e.id});
    entry_of.push_back(m);
    pos += e.content_u32.size();
    start = pos;
  }
  if (start < text.size()) {
    pieces.push_back(Piece{text.substr(start), -1});
    entry_of.push_back(-1);
  }
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (entry_of[i] < 0) continue;
    const AddedTokenSpec& spec = entries_[static_cast<size_t>(entry_of[i])].spec;
    if (spec.rstrip && i + 1 < pieces.size() && entry_of[i + 1] < 0) {
      pieces[i + 1].text = StripLeft(pieces[i + 1].text);
    }
    if (spec.lstrip && i > 0 && entry_of[i - 1] < 0)
      pieces[i - 1].text = StripRight(pieces[i - 1].text);
  }
  std::erase_if(pieces, [](const Piece& p) { return p.text.empty(); });
  return pieces;
}

std::optional<int64_t> AddedTokens::IdOf(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  if (it == by_content_.end()) return std::nullopt;
  return entries_[it->second].id;
}

const std::string* AddedTokens::ContentOf(int64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &entries_[it->second].content;
}

bool AddedTokens::IsSpecialId(int64_t id) const {
  return std::find(special_ids_.begin(), special_ids_.end(), id) != special_ids_.end();
}

bool AddedTokens::IsLegacyAddedForDecode(std::string_view content) const {
  return std::find(legacy_for_decode_.begin(), legacy_for_decode_.end(), content) !=
         legacy_for_decode_.end();
}

std::vector<std::u32string> AddedTokens::NormalizedNonSpecial() const {
  std::vector<std::u32string> out;
  for (const Entry& e : entries_) {
    if (!e.spec.special && e.spec.normalized) out.push_back(e.content_u32);
  }
  return out;
}

}  // namespace photoidx::models::tokenizer
