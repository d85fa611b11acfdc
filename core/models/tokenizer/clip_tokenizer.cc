// CLIP tokenizer: port of transformers 4.40 models/clip/tokenization_clip.py
// (CLIPTokenizer without ftfy) on top of PreTrainedTokenizer.tokenize's
// added-token handling. The steps are listed in clip_tokenizer.h.
//
// The pre-tokenizer regex
//   <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
// (regex module, IGNORECASE) is matched by hand in PreTokenize. It runs on
// text that BasicTokenizer already split on whitespace, lower-cased and
// re-joined with single spaces, so `\s` only ever sees ' '. Two facts about
// the `regex` module 2022.10.31 (Debian 12, the reference's) were measured
// over every code point: with IGNORECASE, U+017F (long s) matches the `s`
// of "'s" and of "<|startoftext|>", and U+0345 (a combining mark whose case
// variants are letters) matches none of the three classes, so findall skips
// it like a space.
#include "core/models/tokenizer/clip_tokenizer.h"

#include <algorithm>
#include <cstdint>

#include "core/models/tokenizer/added_tokens_internal.h"
#include "core/models/tokenizer/basic_tokenizer_internal.h"
#include "core/models/tokenizer/bpe_internal.h"
#include "core/models/tokenizer/tokenizer_config_internal.h"
#include "core/models/tokenizer/unicode.h"

namespace photoidx::models::tokenizer {
namespace {

// 49152 - 256 - 2: CLIPTokenizer ignores the rest of merges.txt.
constexpr size_t kMaxMerges = 48894;
constexpr char kStartOfText[] = "<|startoftext|>";
constexpr char kEndOfText[] = "<|endoftext|>";
constexpr char32_t kLongS = 0x17F;
constexpr char32_t kYpogegrammeni = 0x345;

// Case-insensitive equality of a text char with a lower-case ASCII pattern
// char, as the regex module's simple case folding sees it.
bool FoldEq(char32_t c, char p) {
  const auto pc = static_cast<char32_t>(static_cast<unsigned char>(p));
  if (c == pc) return true;
  if (pc >= U'a' && pc <= U'z' && c == pc - 32) return true;
  return p == 's' && c == kLongS;
}

// Length of `pattern` when text[pos..] starts with it (case-insensitive), else 0.
size_t MatchFolded(std::u32string_view text, size_t pos, std::string_view pattern) {
  if (text.size() - pos < pattern.size()) return 0;
  for (size_t k = 0; k < pattern.size(); ++k) {
    if (!FoldEq(text[pos + k], pattern[k])) return 0;
  }
  return pattern.size();
}

bool IsRegexLetter(char32_t c) { return unicode::IsLetter(c); }
bool IsRegexNumber(char32_t c) { return unicode::IsNumber(c); }
bool IsRegexOther(char32_t c) {
  return !unicode::IsPythonSpace(c) && !IsRegexLetter(c) && !IsRegexNumber(c) &&
         c != kYpogegrammeni;
}

// Length of the regex match starting at text[pos], or 0 when none does.
size_t MatchAt(std::u32string_view text, size_t pos) {
  for (std::string_view special : {std::string_view(kStartOfText), std::string_view(kEndOfText)}) {
    if (size_t n = MatchFolded(text, pos, special)) return n;
  }
  if (text[pos] == U'\'') {
    for (std::string_view suffix : {"s", "t", "re", "ve", "m", "ll", "d"}) {
      if (size_t n = MatchFolded(text, pos + 1, suffix)) return n + 1;
    }
  }
  const auto run = [&](bool (*pred)(char32_t)) {
    size_t end = pos;
    while (end < text.size() && pred(text[end])) ++end;
    return end - pos;
  };
  if (IsRegexLetter(text[pos])) return run(IsRegexLetter);
  if (IsRegexNumber(text[pos])) return 1;
  if (IsRegexOther(text[pos])) return run(IsRegexOther);
  return 0;
}

// regex.findall of the CLIP pattern.
std::vector<std::u32string_view> PreTokenize(std::u32string_view text) {
  std::vector<std::u32string_view> matches;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t n = MatchAt(text, pos);
    if (n == 0) {
      ++pos;
      continue;
    }
    matches.push_back(text.substr(pos, n));
    pos += n;
  }
  return matches;
}

// CLIPTokenizer.__init__ defaults for attributes the files do not set.
void ApplyClipDefaults(TokenizerConfig* cfg) {
  const std::pair<const char*, const char*> defaults[] = {{"unk_token", kEndOfText},
                                                          {"bos_token", kStartOfText},
                                                          {"eos_token", kEndOfText},
                                                          {"pad_token", kEndOfText}};
  for (const auto& [attr, content] : defaults) {
    if (cfg->special_tokens.count(attr) == 0) {
      cfg->special_tokens[attr] = AddedTokenSpec{content, false, false, true, true};
    }
  }
}

}  // namespace

struct ClipTokenizer::Impl {
  BpeModel bpe;
  AddedTokens added;
  BasicTokenizer basic{BasicTokenizerOptions{.lower_case = true,
                                             .strip_accents = false,
                                             .split_on_punc = false,
                                             .tokenize_chinese_chars = true}};
  int64_t bos = 0, eos = 0, pad = 0, unk = 0;

  // convert_tokens_to_ids: added tokens first, then vocab.json, else unk.
  int64_t TokenToId(std::string_view token) const {
    if (std::optional<int64_t> id = added.IdOf(token)) return *id;
    if (std::optional<int64_t> id = bpe.TokenId(token)) return *id;
    return unk;
  }

  // _tokenize of one text piece (no added tokens in it); appends BPE pieces.
  // Stops once `ids` holds `limit` ids (later words cannot change earlier
  // ones: every regex match is BPE-encoded on its own).
  void TokenizePiece(std::u32string_view piece, size_t limit, std::vector<std::string>* tokens,
                     std::vector<int64_t>* ids) const;
};

void ClipTokenizer::Impl::TokenizePiece(std::u32string_view piece, size_t limit,
                                        std::vector<std::string>* tokens,
                                        std::vector<int64_t>* ids) const {
  // " ".join(BasicTokenizer.tokenize(text)).lower(): the words are already
  // lower-cased and str.lower() is idempotent, so the second lower() is a no-op.
  std::u32string joined;
  for (const std::u32string& word : basic.Tokenize(piece, {})) {
    if (!joined.empty()) joined.push_back(U' ');
    joined += word;
  }
  std::vector<BpeModel::Piece> bpe_pieces;
  std::string bytes;
  for (std::u32string_view match : PreTokenize(joined)) {
    if (ids != nullptr && ids->size() >= limit) return;
    bytes = unicode::EncodeUtf8(match);
    // CLIPTokenizer's bpe cache is seeded with the two special strings,
    // which come back whole (printable ASCII maps to itself byte-wise).
    if (bytes == kStartOfText || bytes == kEndOfText) {
      if (tokens != nullptr) tokens->push_back(bytes);
      if (ids != nullptr) ids->push_back(TokenToId(bytes));
      continue;
    }
    bpe_pieces.clear();
    bpe.Encode(bytes, &bpe_pieces);
    for (const BpeModel::Piece& p : bpe_pieces) {
      if (tokens != nullptr) tokens->emplace_back(p.text);
      if (ids != nullptr) {
        std::optional<int64_t> added_id = added.IdOf(p.text);
        ids->push_back(added_id ? *added_id : (p.id >= 0 ? p.id : unk));
      }
    }
  }
}

Result<ClipTokenizer> ClipTokenizer::Load(const std::string& model_dir) {
  auto impl = std::make_shared<Impl>();
  PHOTOIDX_ASSIGN_OR_RETURN(
      impl->bpe, BpeModel::Load(model_dir + "/vocab.json", model_dir + "/merges.txt", kMaxMerges));
  PHOTOIDX_ASSIGN_OR_RETURN(TokenizerConfig cfg, LoadTokenizerConfig(model_dir));
  ApplyClipDefaults(&cfg);
  const BpeModel& bpe = impl->bpe;
  impl->added = AddedTokens::Build(
      cfg, [&bpe](const std::string& t) { return bpe.TokenId(t); }, bpe.vocab_size());
  const std::string unk = cfg.SpecialContent("unk_token", kEndOfText);
  impl->unk = 0;
  if (std::optional<int64_t> id = bpe.TokenId(unk)) impl->unk = *id;
  if (std::optional<int64_t> id = impl->added.IdOf(unk)) impl->unk = *id;
  impl->bos = impl->TokenToId(cfg.SpecialContent("bos_token", kStartOfText));
  impl->eos = impl->TokenToId(cfg.SpecialContent("eos_token", kEndOfText));
  impl->pad = impl->TokenToId(cfg.SpecialContent("pad_token", kEndOfText));
  return ClipTokenizer(std::move(impl));
}

std::vector<int64_t> ClipTokenizer::ContentIds(std::string_view text, size_t limit) const {
  const std::u32string u32 = unicode::DecodeUtf8(text);
  std::vector<int64_t> ids;
  for (const AddedTokens::Piece& piece : impl_->added.Split(u32)) {
    if (ids.size() >= limit) break;
    if (piece.added_id >= 0) {
      ids.push_back(piece.added_id);
    } else {
      impl_->TokenizePiece(piece.text, limit, nullptr, &ids);
    }
  }
  if (ids.size() > limit) ids.resize(limit);
  return ids;
}

std::vector<std::string> ClipTokenizer::Tokenize(std::string_view text) const {
  const std::u32string u32 = unicode::DecodeUtf8(text);
  std::vector<std::string> tokens;
  for (const AddedTokens::Piece& piece : impl_->added.Split(u32)) {
    if (piece.added_id >= 0) {
      tokens.push_back(unicode::EncodeUtf8(piece.text));
    } else {
      impl_->TokenizePiece(piece.text, SIZE_MAX, &tokens, nullptr);
    }
  }
  return tokens;
}

std::vector<int64_t> ClipTokenizer::Encode(std::string_view text) const {
  std::vector<int64_t> ids{impl_->bos};
  const std::vector<int64_t> content = ContentIds(text, SIZE_MAX);
  ids.insert(ids.end(), content.begin(), content.end());
  ids.push_back(impl_->eos);
  return ids;
}

Encoding ClipTokenizer::EncodeForModel(std::string_view text, int max_length) const {
  const size_t length = static_cast<size_t>(std::max(max_length, 2));
  // Truncation keeps the first length - 2 content ids; words after those
  // are not tokenized at all.
  const std::vector<int64_t> content = ContentIds(text, length - 2);
  Encoding e;
  e.ids.reserve(length);
  e.ids.push_back(impl_->bos);
  e.ids.insert(e.ids.end(), content.begin(), content.end());
  e.ids.push_back(impl_->eos);
  e.attention_mask.assign(e.ids.size(), 1);
  e.ids.resize(length, impl_->pad);
  e.attention_mask.resize(length, 0);
  return e;
}

int64_t ClipTokenizer::bos_id() const { return impl_->bos; }
int64_t ClipTokenizer::eos_id() const { return impl_->eos; }
int64_t ClipTokenizer::pad_id() const { return impl_->pad; }

}  // namespace photoidx::models::tokenizer
