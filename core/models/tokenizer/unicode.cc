// Unicode helpers over the generated tables (see unicode.h for the contract).
// Normalisation follows UAX #15: full canonical decomposition (Hangul
// algorithmically), canonical ordering by combining class, then canonical
// composition of unblocked pairs, as CPython's unicodedata does.
#include "core/models/tokenizer/unicode.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "core/models/tokenizer/unicode_tables_internal.h"

namespace photoidx::models::tokenizer::unicode {
namespace {

namespace ui = unicode_internal;

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kSigma = 0x3A3;
constexpr char32_t kSmallSigma = 0x3C3;
constexpr char32_t kFinalSigma = 0x3C2;

// Hangul syllable arithmetic (Unicode 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

bool InRanges(const ui::CodeRange* ranges, size_t n, char32_t cp) {
  const ui::CodeRange* end = ranges + n;
  const ui::CodeRange* it = std::upper_bound(
      ranges, end, cp, [](char32_t c, const ui::CodeRange& r) { return c < r.first; });
  return it != ranges && cp <= (it - 1)->last;
}

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when invalid; sets
// *consumed to the bytes of the maximal invalid subpart in that case.
int ValidSequenceLength(std::string_view s, size_t i, size_t* consumed) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *consumed = 1;
    return 0;
  }
  for (int k = 1; k <= need; ++k) {
    if (i + k >= s.size()) {
      *consumed = static_cast<size_t>(k);
      return 0;
    }
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) {
      *consumed = static_cast<size_t>(k);
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return need + 1;
}

char32_t DecodeValid(std::string_view s, size_t i, int len) {
  const auto b = [&](int k) { return static_cast<char32_t>(static_cast<unsigned char>(s[i + k])); };
  switch (len) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3:
      return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

const ui::Decomposition* FindDecomposition(char32_t cp) {
  const ui::Decomposition* end = ui::kDecompositions + ui::kDecompositionsSize;
  const ui::Decomposition* it =
      std::lower_bound(ui::kDecompositions, end, cp,
                       [](const ui::Decomposition& d, char32_t c) { return d.cp < c; });
  return (it != end && it->cp == cp) ? it : nullptr;
}

void AppendDecomposed(char32_t cp, std::u32string* out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    out->push_back(kLBase + s / kNCount);
    out->push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out->push_back(kTBase + s % kTCount);
    return;
  }
  const ui::Decomposition* d = FindDecomposition(cp);
  if (d == nullptr) {
    out->push_back(cp);
    return;
  }
  AppendDecomposed(d->first, out);
  if (d->second != 0) AppendDecomposed(d->second, out);
}

// Stable sort of every run of non-starters by combining class.
void CanonicalOrder(std::u32string* s) {
  size_t i = 0;
  while (i < s->size()) {
    if (CombiningClass((*s)[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s->size() && CombiningClass((*s)[j]) != 0) ++j;
    std::stable_sort(s->begin() + static_cast<std::ptrdiff_t>(i),
                     s->begin() + static_cast<std::ptrdiff_t>(j),
                     [](char32_t a, char32_t b) { return CombiningClass(a) < CombiningClass(b); });
    i = j;
  }
}

// The primary composite of a + b, or 0.
char32_t Compose(char32_t a, char32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  const ui::Composition* end = ui::kCompositions + ui::kCompositionsSize;
  const ui::Composition* it = std::lower_bound(
      ui::kCompositions, end, std::make_pair(a, b), [](const ui::Composition& c, const auto& key) {
        return c.first != key.first ? c.first < key.first : c.second < key.second;
      });
  return (it != end && it->first == a && it->second == b) ? it->composite : 0;
}

// CPython's handle_capital_sigma: final form when a cased letter precedes
// (skipping case-ignorables) and none follows.
bool IsFinalSigma(std::u32string_view text, size_t i) {
  const auto ignorable = [](char32_t c) {
    return InRanges(ui::kCaseIgnorable, ui::kCaseIgnorableSize, c);
  };
  const auto cased = [](char32_t c) {
    return InRanges(ui::kCasedNotIgnorable, ui::kCasedNotIgnorableSize, c);
  };
  size_t j = i;
  while (j > 0 && ignorable(text[j - 1])) --j;
  if (j == 0 || !cased(text[j - 1])) return false;
  size_t k = i + 1;
  while (k < text.size() && ignorable(text[k])) ++k;
  return k == text.size() || !cased(text[k]);
}

}  // namespace

size_t DecodeUtf8At(std::string_view bytes, size_t pos, char32_t* cp) {
  size_t consumed = 0;
  const int len = ValidSequenceLength(bytes, pos, &consumed);
  if (len == 0) {
    *cp = kReplacementChar;
    return consumed;
  }
  *cp = DecodeValid(bytes, pos, len);
  return static_cast<size_t>(len);
}

bool IsValidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    if (i + 8 <= bytes.size()) {  // skip 8 ASCII bytes at a time
      uint64_t word = 0;
      std::memcpy(&word, bytes.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t consumed = 0;
    const int len = ValidSequenceLength(bytes, i, &consumed);
    if (len == 0) return false;
    i += static_cast<size_t>(len);
  }
  return true;
}

std::u32string DecodeUtf8(std::string_view bytes) {
  std::u32string out;
  out.reserve(bytes.size());
  size_t i = 0;
  while (i < bytes.size()) {
    char32_t cp = 0;
    i += DecodeUtf8At(bytes, i, &cp);
    out.push_back(cp);
  }
  return out;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp > kMaxCodePoint || (cp >= 0xD800 && cp < 0xE000)) cp = kReplacementChar;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t cp : text) AppendUtf8(cp, &out);
  return out;
}

const char* UnicodeVersion() { return ui::kUnicodeVersion; }

Category GetCategory(char32_t cp) {
  if (cp > kMaxCodePoint) return Category::kCn;
  const ui::CategoryRange* end = ui::kCategoryRanges + ui::kCategoryRangesSize;
  const ui::CategoryRange* it =
      std::upper_bound(ui::kCategoryRanges, end, cp,
                       [](char32_t c, const ui::CategoryRange& r) { return c < r.start; });
  return static_cast<Category>((it - 1)->category);  // the first run starts at 0
}

bool IsLetter(char32_t cp) { return GetCategory(cp) <= Category::kLo; }

bool IsNumber(char32_t cp) {
  const Category c = GetCategory(cp);
  return c >= Category::kNd && c <= Category::kNo;
}

bool IsPunctuation(char32_t cp) {
  const Category c = GetCategory(cp);
  return c >= Category::kPc && c <= Category::kPo;
}

bool IsOther(char32_t cp) { return GetCategory(cp) >= Category::kCc; }

bool IsPythonSpace(char32_t cp) {
  if (cp > 0x3000 || (cp > 0x20 && cp < 0x85)) return false;  // fast path: no spaces there
  return std::binary_search(ui::kPythonSpaceChars,
                            ui::kPythonSpaceChars + ui::kPythonSpaceCharsSize, cp);
}

bool IsCjkIdeograph(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

void AppendLower(char32_t cp, std::u32string* out) {
  for (size_t i = 0; i < ui::kLowerSpecialSize; ++i) {
    if (ui::kLowerSpecial[i].cp != cp) continue;
    for (char32_t c : ui::kLowerSpecial[i].lower) {
      if (c != 0) out->push_back(c);
    }
    return;
  }
  const ui::LowerRun* end = ui::kLowerRuns + ui::kLowerRunsSize;
  const ui::LowerRun* it = std::upper_bound(
      ui::kLowerRuns, end, cp, [](char32_t c, const ui::LowerRun& r) { return c < r.first; });
  if (it != ui::kLowerRuns) {
    const ui::LowerRun& r = *(it - 1);
    const char32_t offset = cp - r.first;
    if (offset % r.stride == 0 && offset / r.stride < r.count) {
      out->push_back(static_cast<char32_t>(static_cast<int64_t>(cp) + r.delta));
      return;
    }
  }
  out->push_back(cp);
}

std::u32string PythonLower(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == kSigma) {
      out.push_back(IsFinalSigma(text, i) ? kFinalSigma : kSmallSigma);
    } else {
      AppendLower(text[i], &out);
    }
  }
  return out;
}

uint8_t CombiningClass(char32_t cp) {
  const ui::CombiningRun* end = ui::kCombiningClasses + ui::kCombiningClassesSize;
  const ui::CombiningRun* it =
      std::upper_bound(ui::kCombiningClasses, end, cp,
                       [](char32_t c, const ui::CombiningRun& r) { return c < r.first; });
  if (it == ui::kCombiningClasses || cp > (it - 1)->last) return 0;
  return (it - 1)->ccc;
}

std::u32string Nfd(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (char32_t cp : text) AppendDecomposed(cp, &out);
  CanonicalOrder(&out);
  return out;
}

std::u32string Nfc(std::u32string_view text) {
  const std::u32string d = Nfd(text);
  std::u32string out;
  out.reserve(d.size());
  size_t starter = std::u32string::npos;
  int last_ccc = -1;  // class of the last char kept after the starter; -1: none
  for (char32_t c : d) {
    const int ccc = CombiningClass(c);
    if (starter != std::u32string::npos && (last_ccc == -1 || last_ccc < ccc)) {
      const char32_t composite = Compose(out[starter], c);
      if (composite != 0) {
        out[starter] = composite;
        continue;
      }
    }
    if (ccc == 0) {
      starter = out.size();
      last_ccc = -1;
    } else {
      last_ccc = ccc;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace photoidx::models::tokenizer::unicode
