// BERT WordPiece tokenizer: port of transformers 4.40
// models/bert/tokenization_bert.py (BertTokenizer, WordpieceTokenizer) and
// the parts of tokenization_utils.py it relies on:
//   tokenize(): with do_lower_case, every character outside a special token
//     is lower-cased one at a time first (re.sub with "(.+?)", so no
//     final-sigma context: "Σ" -> "σ"); then added tokens are cut out and
//     each remaining piece goes through BasicTokenizer + WordPiece.
//   _decode(): ids -> tokens (added tokens first, [UNK] for unknown ids),
//     special ids dropped on request, "legacy" added tokens ([ENC]) decoded
//     as separate sub-texts, the rest through convert_tokens_to_string
//     (" ".join, " ##" -> "", strip), sub-texts joined with " ", then
//     clean_up_tokenization.
#include "core/models/tokenizer/bert_tokenizer.h"

#include <unordered_map>

#include "core/models/tokenizer/added_tokens_internal.h"
#include "core/models/tokenizer/basic_tokenizer_internal.h"
#include "core/models/tokenizer/tokenizer_config_internal.h"
#include "core/models/tokenizer/unicode.h"

namespace photoidx::models::tokenizer {
namespace {

constexpr size_t kMaxInputCharsPerWord = 100;
constexpr char kUnk[] = "[UNK]";

// BertTokenizer.__init__ defaults for attributes the files do not set.
void ApplyBertDefaults(TokenizerConfig* cfg) {
  const std::pair<const char*, const char*> defaults[] = {{"unk_token", "[UNK]"},
                                                          {"sep_token", "[SEP]"},
                                                          {"pad_token", "[PAD]"},
                                                          {"cls_token", "[CLS]"},
                                                          {"mask_token", "[MASK]"}};
  for (const auto& [attr, content] : defaults) {
    if (cfg->special_tokens.count(attr) == 0) {
      cfg->special_tokens[attr] = AddedTokenSpec{content, false, false, false, true};
    }
  }
}

// Python str.replace of every occurrence, left to right.
void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t hit = s->find(from, pos);
    if (hit == std::string::npos) break;
    out.append(*s, pos, hit - pos).append(to);
    pos = hit + from.size();
  }
  out.append(*s, pos, std::string::npos);
  s->swap(out);
}

// PreTrainedTokenizerBase.clean_up_tokenization.
void CleanUpTokenization(std::string* s) {
  static const std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) ReplaceAll(s, from, to);
}

// Python str.strip() of UTF-8.
std::string StripPython(const std::string& s) {
  const std::u32string u = unicode::DecodeUtf8(s);
  size_t b = 0, e = u.size();
  while (b < e && unicode::IsPythonSpace(u[b])) ++b;
  while (e > b && unicode::IsPythonSpace(u[e - 1])) --e;
  return unicode::EncodeUtf8(std::u32string_view(u).substr(b, e - b));
}

// BertTokenizer.convert_tokens_to_string.
std::string TokensToString(const std::vector<std::string>& tokens) {
  std::string s;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) s.push_back(' ');
    s += tokens[i];
  }
  ReplaceAll(&s, " ##", "");
  return StripPython(s);
}

}  // namespace

struct BertTokenizer::Impl {
  std::unordered_map<std::string, int64_t> vocab;
  std::vector<std::string> id_to_token;  // by vocab.txt line
  std::vector<bool> id_is_current;       // false where a later line reused the token
  AddedTokens added;
  BasicTokenizer basic{BasicTokenizerOptions{}};
  bool do_lower_case = true;
  bool clean_up = true;
  std::vector<std::u32string> lower_protected;  // kept as is by the pre-lowering
  int64_t unk = 100, cls = 101, sep = 102, pad = 0;
  std::string unk_token = kUnk;

  std::optional<int64_t> VocabId(const std::string& t) const {
    auto it = vocab.find(t);
    return it == vocab.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }
  int64_t TokenToId(std::string_view token) const;
  std::string IdToToken(int64_t id) const;
  std::u32string LowerOutsideSpecials(std::u32string_view text) const;
  void WordPiece(const std::u32string& word, std::vector<std::string>* out) const;
  std::vector<std::string> Tokenize(std::string_view text) const;
  Status LoadVocab(const std::string& path);
};

Status BertTokenizer::Impl::LoadVocab(const std::string& path) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  if (!unicode::IsValidUtf8(text))
    return Status::Corruption(path, "tokenizer: vocab.txt is not valid UTF-8");
  // readlines() under universal newlines, then rstrip("\n").
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = pos;
    while (end < text.size() && text[end] != '\n' && text[end] != '\r') ++end;
    std::string token = text.substr(pos, end - pos);
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n')
      ++end;
    pos = end + 1;
    vocab.insert_or_assign(token, static_cast<int64_t>(id_to_token.size()));
    id_to_token.push_back(std::move(token));
  }
  // A repeated token keeps its last line; ids_to_tokens lacks the earlier ones.
  id_is_current.resize(id_to_token.size());
  for (size_t i = 0; i < id_to_token.size(); ++i) {
    id_is_current[i] = vocab.at(id_to_token[i]) == static_cast<int64_t>(i);
  }
  if (vocab.empty()) return Status::Corruption(path, "tokenizer: vocab.txt is empty");
  return Status::OK();
}

int64_t BertTokenizer::Impl::TokenToId(std::string_view token) const {
  if (std::optional<int64_t> id = added.IdOf(token)) return *id;
  auto it = vocab.find(std::string(token));
  return it == vocab.end() ? unk : it->second;
}

std::string BertTokenizer::Impl::IdToToken(int64_t id) const {
  if (const std::string* content = added.ContentOf(id)) return *content;
  if (id >= 0 && static_cast<size_t>(id) < id_to_token.size() &&
      id_is_current[static_cast<size_t>(id)]) {
    return id_to_token[static_cast<size_t>(id)];
  }
  return unk_token;
}

std::u32string BertTokenizer::Impl::LowerOutsideSpecials(std::u32string_view text) const {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t keep = 0;  // the first alternative of the pattern that matches
    for (const std::u32string& s : lower_protected) {
      if (!s.empty() && text.substr(pos, s.size()) == s) {
        keep = s.size();
        break;
      }
    }
    if (keep > 0) {
      out.append(text.substr(pos, keep));
      pos += keep;
    } else {
      unicode::AppendLower(text[pos++], &out);
    }
  }
  return out;
}

void BertTokenizer::Impl::WordPiece(const std::u32string& word,
                                    std::vector<std::string>* out) const {
  if (word.size() > kMaxInputCharsPerWord) {
    out->push_back(unk_token);
    return;
  }
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < word.size()) {
    size_t end = word.size();
    std::string found;
    for (; start < end; --end) {
      std::string candidate = start > 0 ? "##" : "";
      candidate += unicode::EncodeUtf8(std::u32string_view(word).substr(start, end - start));
      if (vocab.count(candidate) != 0) {
        found = std::move(candidate);
        break;
      }
    }
    if (found.empty()) {
      out->push_back(unk_token);
      return;
    }
    pieces.push_back(std::move(found));
    start = end;
  }
  for (std::string& p : pieces) out->push_back(std::move(p));
}

std::vector<std::string> BertTokenizer::Impl::Tokenize(std::string_view text) const {
  std::u32string u32 = unicode::DecodeUtf8(text);
  if (do_lower_case) u32 = LowerOutsideSpecials(u32);
  std::vector<std::string> tokens;
  for (const AddedTokens::Piece& piece : added.Split(u32)) {
    if (piece.added_id >= 0) {
      tokens.push_back(unicode::EncodeUtf8(piece.text));
      continue;
    }
    for (const std::u32string& word : basic.Tokenize(piece.text, added.special_tokens_u32())) {
      WordPiece(word, &tokens);
    }
  }
  return tokens;
}

Result<BertTokenizer> BertTokenizer::Load(const std::string& model_dir) {
  auto impl = std::make_shared<Impl>();
  PHOTOIDX_RETURN_IF_ERROR(impl->LoadVocab(model_dir + "/vocab.txt"));
  PHOTOIDX_ASSIGN_OR_RETURN(TokenizerConfig cfg, LoadTokenizerConfig(model_dir));
  ApplyBertDefaults(&cfg);
  const Impl& base = *impl;
  impl->added = AddedTokens::Build(
      cfg, [&base](const std::string& t) { return base.VocabId(t); }, impl->vocab.size());
  impl->do_lower_case = cfg.do_lower_case;
  impl->clean_up = cfg.clean_up_tokenization_spaces;
  const bool strip =
      cfg.do_lower_case ? cfg.strip_accents.value_or(true) : cfg.strip_accents.value_or(false);
  impl->basic =
      BasicTokenizer(BasicTokenizerOptions{.lower_case = cfg.do_lower_case,
                                           .strip_accents = strip,
                                           .split_on_punc = true,
                                           .tokenize_chinese_chars = cfg.tokenize_chinese_chars});
  impl->lower_protected = impl->added.special_tokens_u32();
  for (std::u32string& t : impl->added.NormalizedNonSpecial())
    impl->lower_protected.push_back(std::move(t));
  impl->unk_token = cfg.SpecialContent("unk_token", kUnk);
  impl->unk = 0;
  if (std::optional<int64_t> id = impl->VocabId(impl->unk_token)) impl->unk = *id;
  if (std::optional<int64_t> id = impl->added.IdOf(impl->unk_token)) impl->unk = *id;
  impl->cls = impl->TokenToId(cfg.SpecialContent("cls_token", "[CLS]"));
  impl->sep = impl->TokenToId(cfg.SpecialContent("sep_token", "[SEP]"));
  impl->pad = impl->TokenToId(cfg.SpecialContent("pad_token", "[PAD]"));
  return BertTokenizer(std::move(impl));
}

std::vector<std::string> BertTokenizer::Tokenize(std::string_view text) const {
  return impl_->Tokenize(text);
}

std::vector<int64_t> BertTokenizer::Encode(std::string_view text) const {
  std::vector<int64_t> ids{impl_->cls};
  for (const std::string& t : impl_->Tokenize(text)) ids.push_back(impl_->TokenToId(t));
  ids.push_back(impl_->sep);
  return ids;
}

std::string BertTokenizer::Decode(std::span<const int64_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> sub_texts, current;
  for (int64_t id : ids) {
    if (skip_special_tokens && impl_->added.IsSpecialId(id)) continue;
    std::string token = impl_->IdToToken(id);
    if (impl_->added.IsLegacyAddedForDecode(token)) {
      if (!current.empty()) {
        std::string s = TokensToString(current);
        if (!s.empty()) sub_texts.push_back(std::move(s));
        current.clear();
      }
      sub_texts.push_back(std::move(token));
    } else {
      current.push_back(std::move(token));
    }
  }
  if (!current.empty()) sub_texts.push_back(TokensToString(current));
  std::string text;
  for (size_t i = 0; i < sub_texts.size(); ++i) {
    if (i > 0) text.push_back(' ');
    text += sub_texts[i];
  }
  if (impl_->clean_up) CleanUpTokenization(&text);
  return text;
}

int64_t BertTokenizer::cls_id() const { return impl_->cls; }
int64_t BertTokenizer::sep_id() const { return impl_->sep; }
int64_t BertTokenizer::pad_id() const { return impl_->pad; }
int64_t BertTokenizer::TokenToId(std::string_view token) const { return impl_->TokenToId(token); }

}  // namespace photoidx::models::tokenizer
