// Raw Unicode tables generated from CPython's unicodedata by
// gen_unicode_tables.py (unicode_tables.cc). Internal to the tokenizer
// module: use the functions in unicode.h instead.
// All tables are sorted by code point; immutable, so thread-safe.
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_UNICODE_TABLES_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_UNICODE_TABLES_INTERNAL_H_

#include <cstddef>
#include <cstdint>

namespace photoidx::models::tokenizer::unicode_internal {

// Category index into the order of gen_unicode_tables.py CATEGORIES, which
// matches unicode::Category.
struct CategoryRange {
  char32_t start;  // first code point of a run of equal category
  uint8_t category;
};

// cp in [first, first + count * stride) with (cp - first) % stride == 0
// lowercases to cp + delta.
struct LowerRun {
  char32_t first;
  uint16_t count;
  uint8_t stride;
  int32_t delta;
};

// A lowercase mapping to 2 or 3 code points (zero-padded).
struct LowerSpecial {
  char32_t cp;
  char32_t lower[3];
};

struct CodeRange {
  char32_t first;
  char32_t last;  // inclusive
};

struct CombiningRun {
  char32_t first;
  char32_t last;  // inclusive
  uint8_t ccc;
};

// One level of canonical decomposition: cp -> first [second] (second 0 for
// singletons); apply recursively for the full decomposition.
struct Decomposition {
  char32_t cp;
  char32_t first;
  char32_t second;
};

// Primary composite: first + second -> composite (sorted by first, second).
struct Composition {
  char32_t first;
  char32_t second;
  char32_t composite;
};

extern const char kUnicodeVersion[];
extern const CategoryRange kCategoryRanges[];
extern const size_t kCategoryRangesSize;
extern const char32_t kPythonSpaceChars[];
extern const size_t kPythonSpaceCharsSize;
extern const LowerRun kLowerRuns[];
extern const size_t kLowerRunsSize;
extern const LowerSpecial kLowerSpecial[];
extern const size_t kLowerSpecialSize;
extern const CodeRange kCaseIgnorable[];
extern const size_t kCaseIgnorableSize;
extern const CodeRange kCasedNotIgnorable[];
extern const size_t kCasedNotIgnorableSize;
extern const CombiningRun kCombiningClasses[];
extern const size_t kCombiningClassesSize;
extern const Decomposition kDecompositions[];
extern const size_t kDecompositionsSize;
extern const Composition kCompositions[];
extern const size_t kCompositionsSize;

}  // namespace photoidx::models::tokenizer::unicode_internal

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_UNICODE_TABLES_INTERNAL_H_
