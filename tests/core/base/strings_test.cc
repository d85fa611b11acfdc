#include "core/base/strings.h"

#include <gtest/gtest.h>

#include "core/base/status.h"

namespace photoidx {
namespace {

TEST(StringsTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xf0\x9f\x90\xb6"));
  EXPECT_FALSE(IsValidUtf8("bad\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

TEST(StringsTest, LossyReplacesOnlyBadBytes) {
  EXPECT_EQ(LossyUtf8("a\xffz"), "a\xef\xbf\xbdz");
  EXPECT_EQ(LossyUtf8("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(StringsTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("\xff\xfe"), "//4=");
}

TEST(StringsTest, JsonQuoteEscapes) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(JsonQuote("x\xff"), "\"x\xef\xbf\xbd\"");
}

TEST(StatusTest, CodesAndMessages) {
  Status st = Status::Corruption("x.jpg", "jpeg: truncated");
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(st.IsCorruption());
  EXPECT_EQ(st.ToString(), "corruption: x.jpg: jpeg: truncated");
  EXPECT_EQ(st.WithContext("decode").message(), "decode: x.jpg: jpeg: truncated");
  EXPECT_EQ(Status::OK().ToString(), "OK");
}

}  // namespace
}  // namespace photoidx
