// Unicode helpers that reproduce what CPython 3.11 (Unicode 14.0) does to a
// str, for the tokenizers: UTF-8 <-> code points, general categories,
// str.isspace(), str.lower(), unicodedata.normalize("NFC"/"NFD").
//
// Invalid UTF-8: Python would see the bytes of a command line argument that
// is not valid UTF-8 as lone surrogates (surrogateescape), a file read with
// errors="replace" as U+FFFD. DecodeUtf8 replaces each maximal invalid
// subsequence (Unicode 3.9 "best practice", as Python's "replace" handler
// does) with U+FFFD. Both tokenizers then drop U+FFFD and every surrogate
// during clean-up, so either reading gives the same tokens.
//
// All functions are pure and thread-safe (the tables are immutable).
#ifndef PHOTOIDX_CORE_MODELS_TOKENIZER_UNICODE_H_
#define PHOTOIDX_CORE_MODELS_TOKENIZER_UNICODE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace photoidx::models::tokenizer::unicode {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Python's unicodedata.category(), in the Unicode order used by the tables.
// clang-format off
enum class Category : uint8_t {
  kLu, kLl, kLt, kLm, kLo, kMn, kMc, kMe, kNd, kNl, kNo,
  kPc, kPd, kPs, kPe, kPi, kPf, kPo, kSm, kSc, kSk, kSo,
  kZs, kZl, kZp, kCc, kCf, kCs, kCo, kCn,
};
// clang-format on

// Code points (invalid sequences -> U+FFFD, see above).
std::u32string DecodeUtf8(std::string_view bytes);
// Decodes the code point at bytes[pos] (REQUIRES pos < size) into *cp
// (U+FFFD for an invalid sequence); returns the bytes consumed (>= 1).
size_t DecodeUtf8At(std::string_view bytes, size_t pos, char32_t* cp);
// Whether `bytes` is valid UTF-8 (fast on ASCII runs; used on 1 MB files).
bool IsValidUtf8(std::string_view bytes);
// UTF-8 bytes; a surrogate or a value above U+10FFFF is written as U+FFFD.
void AppendUtf8(char32_t cp, std::string* out);
std::string EncodeUtf8(std::u32string_view text);

// The Unicode version the tables were generated from ("14.0.0").
const char* UnicodeVersion();

Category GetCategory(char32_t cp);
bool IsLetter(char32_t cp);       // L*
bool IsNumber(char32_t cp);       // N*
bool IsPunctuation(char32_t cp);  // P*
bool IsOther(char32_t cp);        // C* (controls, format, surrogates, private use, unassigned)
// str.isspace(): what str.split() without arguments splits on.
bool IsPythonSpace(char32_t cp);
// BERT's _is_chinese_char: the CJK Unified Ideograph blocks (no kana, no hangul).
bool IsCjkIdeograph(char32_t cp);

// str.lower() of one code point without context (U+03A3 -> U+03C3);
// appends 1 to 3 code points.
void AppendLower(char32_t cp, std::u32string* out);
// str.lower(): full lowercase mapping plus CPython's Final_Sigma rule.
std::u32string PythonLower(std::u32string_view text);

// unicodedata.normalize("NFD"/"NFC", text).
std::u32string Nfd(std::u32string_view text);
std::u32string Nfc(std::u32string_view text);
uint8_t CombiningClass(char32_t cp);

}  // namespace photoidx::models::tokenizer::unicode

#endif  // PHOTOIDX_CORE_MODELS_TOKENIZER_UNICODE_H_
