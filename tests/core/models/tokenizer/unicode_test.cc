#include "core/models/tokenizer/unicode.h"

#include <gtest/gtest.h>

#include <string>

// Expected values are what CPython 3.11.2 (unicodedata 14.0.0) returns; the
// generator's tables were also compared against Python for every code point
// (category, isspace, lower, NFD, NFC, combining class) while developing.
namespace photoidx::models::tokenizer::unicode {
namespace {

TEST(UnicodeTest, TablesAreTheReferenceVersion) { EXPECT_STREQ(UnicodeVersion(), "14.0.0"); }

TEST(UnicodeTest, DecodeReplacesMaximalInvalidSubparts) {
  EXPECT_EQ(DecodeUtf8("a\xc3\xa9"), U"a\u00e9");
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x90\xb6"), U"\U0001F436");
  // Python: b"\xe2\x82x\xff\xc0\xaf".decode("utf-8", "replace")
  EXPECT_EQ(DecodeUtf8("\xe2\x82x\xff\xc0\xaf"), U"\uFFFDx\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80"), U"\uFFFD\uFFFD\uFFFD");            // encoded surrogate
  EXPECT_EQ(DecodeUtf8("\xf4\x90\x80\x80"), U"\uFFFD\uFFFD\uFFFD\uFFFD");  // > U+10FFFF
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x90"), U"\uFFFD");                        // truncated at the end
  EXPECT_FALSE(IsValidUtf8("abc\xff"));
  EXPECT_TRUE(IsValidUtf8("plain ascii text, longer than eight bytes \xe2\x82\xac"));
}

TEST(UnicodeTest, EncodeRoundTripsAndRejectsSurrogates) {
  const std::u32string s = U"x\u00e9\u732b\U0001F436";
  EXPECT_EQ(DecodeUtf8(EncodeUtf8(s)), s);
  EXPECT_EQ(EncodeUtf8(std::u32string(1, 0xD800)), "\xef\xbf\xbd");
}

TEST(UnicodeTest, Categories) {
  EXPECT_EQ(GetCategory(U'A'), Category::kLu);
  EXPECT_EQ(GetCategory(0x00AD), Category::kCf);  // soft hyphen
  EXPECT_EQ(GetCategory(0x0345), Category::kMn);
  EXPECT_EQ(GetCategory(0x00A0), Category::kZs);
  EXPECT_EQ(GetCategory(0x2028), Category::kZl);
  EXPECT_EQ(GetCategory(0x0378), Category::kCn);   // unassigned
  EXPECT_EQ(GetCategory(0x1FAF8), Category::kCn);  // assigned only in Unicode 15
  EXPECT_EQ(GetCategory(0x10FFFF), Category::kCn);
  EXPECT_EQ(GetCategory(0x110000), Category::kCn);
  EXPECT_TRUE(IsNumber(0x00BD) && IsNumber(0x216B) && IsNumber(U'7'));
  EXPECT_TRUE(IsPunctuation(0x2026) && !IsPunctuation(U'$'));
  EXPECT_TRUE(IsOther(0x200B) && IsOther(0xE000) && !IsOther(U'a'));
}

TEST(UnicodeTest, PythonWhitespace) {
  for (char32_t c : {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000,
                     0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000}) {
    EXPECT_TRUE(IsPythonSpace(c)) << std::hex << static_cast<unsigned>(c);
  }
  for (char32_t c : {0x200B, 0x180E, 0xFEFF, 0x00AD, 0x61}) {
    EXPECT_FALSE(IsPythonSpace(c)) << std::hex << static_cast<unsigned>(c);
  }
}

TEST(UnicodeTest, PythonLower) {
  EXPECT_EQ(PythonLower(U"HELLO \u00c9T\u00c9"), U"hello \u00e9t\u00e9");
  EXPECT_EQ(PythonLower(U"\u0130"), U"i\u0307");  // full mapping, 2 code points
  EXPECT_EQ(PythonLower(U"\u1E9E"), U"\u00df");   // capital sharp s
  EXPECT_EQ(PythonLower(U"\u2126\u212A"), U"\u03c9k");
  // Final sigma: "ΣΑΣ" -> "σας", "Σ" alone -> "σ", "ΑΣ." -> "ας.",
  // "ΑΣ\u0301" (case-ignorable after) -> "ας\u0301", "ΑΣΑ" -> "ασα".
  EXPECT_EQ(PythonLower(U"\u03a3\u0391\u03a3"), U"\u03c3\u03b1\u03c2");
  EXPECT_EQ(PythonLower(U"\u03a3"), U"\u03c3");
  EXPECT_EQ(PythonLower(U"\u0391\u03a3."), U"\u03b1\u03c2.");
  EXPECT_EQ(PythonLower(U"\u0391\u03a3\u0301"), U"\u03b1\u03c2\u0301");
  EXPECT_EQ(PythonLower(U"\u0391\u03a3\u0391"), U"\u03b1\u03c3\u03b1");
  EXPECT_EQ(PythonLower(U"1\u03a3"), U"1\u03c3");
  std::u32string one;
  AppendLower(0x03A3, &one);  // no context: always σ
  EXPECT_EQ(one, U"\u03c3");
}

TEST(UnicodeTest, Normalization) {
  EXPECT_EQ(Nfc(U"cafe\u0301"), U"caf\u00e9");
  EXPECT_EQ(Nfd(U"caf\u00e9"), U"cafe\u0301");
  // Canonical reordering: dot below (220) before acute (230).
  EXPECT_EQ(Nfd(U"q\u0301\u0323"), U"q\u0323\u0301");
  EXPECT_EQ(Nfc(U"\u1e0b\u0323"), U"\u1e0d\u0307");
  // Hangul: L V T compose to a syllable and decompose back.
  EXPECT_EQ(Nfc(U"\u1100\u1161\u11a8"), U"\uac01");
  EXPECT_EQ(Nfd(U"\uac01"), U"\u1100\u1161\u11a8");
  // Composition exclusions and singletons.
  EXPECT_EQ(Nfc(U"\u0958"), U"\u0915\u093c");
  EXPECT_EQ(Nfc(U"\u212b"), U"\u00c5");
  EXPECT_EQ(Nfc(U"\U0001D15E"), U"\U0001D157\U0001D165");
  // Compatibility characters stay (NFC is canonical only).
  EXPECT_EQ(Nfc(U"\ufb01"), U"\ufb01");
  EXPECT_EQ(CombiningClass(0x0301), 230);
  EXPECT_EQ(CombiningClass(U'a'), 0);
}

TEST(UnicodeTest, CjkIdeographs) {
  EXPECT_TRUE(IsCjkIdeograph(0x732B));
  EXPECT_TRUE(IsCjkIdeograph(0x20000));
  EXPECT_FALSE(IsCjkIdeograph(0x3042));  // hiragana
  EXPECT_FALSE(IsCjkIdeograph(0xAC00));  // hangul
}

}  // namespace
}  // namespace photoidx::models::tokenizer::unicode
