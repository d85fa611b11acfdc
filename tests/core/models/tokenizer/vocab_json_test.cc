#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "core/models/tokenizer/vocab_json_internal.h"

namespace photoidx::models::tokenizer {
namespace {

std::vector<std::pair<std::string, int64_t>> Pairs(const VocabEntries& v) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const VocabEntries::Entry& e : v.entries) out.emplace_back(std::string(v.Key(e)), e.id);
  return out;
}

TEST(VocabJsonTest, DecodesEscapesAndKeepsOrder) {
  // What json.load sees: escapes decoded, repeated keys kept in order (the
  // caller lets the last one win).
  Result<VocabEntries> v = ParseVocabJson(
      " {\"a\": 0, \"\\u00e9\\\"\\\\\\/\\n\": 7 ,\"\\ud83d\\udc36\":12,\"a\":3}\n", "vocab.json");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {"a", 0}, {"\xc3\xa9\"\\/\n", 7}, {"\xf0\x9f\x90\xb6", 12}, {"a", 3}};
  EXPECT_EQ(Pairs(*v), expected);
  ASSERT_TRUE(ParseVocabJson("{}", "vocab.json").ok());
  // -0 is not taken by the fast path but is a valid integer for the full parser.
  Result<VocabEntries> zero = ParseVocabJson("{\"z\": -0}", "vocab.json");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(Pairs(*zero), (std::vector<std::pair<std::string, int64_t>>{{"z", 0}}));
}

TEST(VocabJsonTest, RejectsWhatIsNotAnObjectOfIds) {
  for (const char* bad :
       {"", "{", "{\"a\": 1,}", "{\"a\" 1}", "{\"a\": 1} x", "{\"a\": 1.5}", "{\"a\": 1e3}",
        "{\"a\": -1}", "{\"a\": \"1\"}", "{\"a\": [1]}", "{\"a\": {\"b\": 1}}", "[]", "7",
        "{\"\\ud800\": 1}", "{\"a\xff\": 1}", "{\"a\": 99999999999999999999}"}) {
    Result<VocabEntries> v = ParseVocabJson(bad, "dir/vocab.json");
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_TRUE(v.status().IsCorruption());
    EXPECT_NE(v.status().ToString().find("dir/vocab.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace photoidx::models::tokenizer
