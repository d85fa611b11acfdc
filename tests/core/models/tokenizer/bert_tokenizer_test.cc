#include "core/models/tokenizer/bert_tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testutil.h"

namespace photoidx::models::tokenizer {
namespace {

using test::DataPath;
using test::ScopedTempDir;

BertTokenizer LoadOrDie(const std::string& dir) {
  Result<BertTokenizer> tok = BertTokenizer::Load(dir);
  EXPECT_TRUE(tok.ok()) << tok.status().ToString();
  if (!tok.ok()) std::abort();
  return std::move(tok).value();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

// Every case of reference/bert-tokenizer-cases.json (transformers 4.40.2
// slow BertTokenizer of blip-tiny): ids, tokens and both decodings.
TEST(BertTokenizerTest, SharedCases) {
  const BertTokenizer tok = LoadOrDie(DataPath("models/blip-tiny"));
  std::ifstream f(DataPath("reference/bert-tokenizer-cases.json"));
  const nlohmann::json doc = nlohmann::json::parse(f);
  ASSERT_GT(doc["cases"].size(), 90u);
  for (const nlohmann::json& c : doc["cases"]) {
    const std::string text = c["text"];
    const auto ids = c["ids"].get<std::vector<int64_t>>();
    EXPECT_EQ(tok.Encode(text), ids) << "text: " << text;
    EXPECT_EQ(tok.Tokenize(text), c["tokens"].get<std::vector<std::string>>()) << "text: " << text;
    EXPECT_EQ(tok.Decode(ids, true), c["decoded_skip_special"].get<std::string>())
        << "text: " << text;
    EXPECT_EQ(tok.Decode(ids, false), c["decoded"].get<std::string>()) << "text: " << text;
  }
}

TEST(BertTokenizerTest, SpecialAndAddedTokens) {
  const BertTokenizer tok = LoadOrDie(DataPath("models/blip-tiny"));
  EXPECT_EQ(tok.cls_id(), 101);
  EXPECT_EQ(tok.sep_id(), 102);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.TokenToId("[DEC]"), 30522);
  EXPECT_EQ(tok.TokenToId("[ENC]"), 30523);
  EXPECT_EQ(tok.TokenToId("[MASK]"), 103);
  EXPECT_EQ(tok.TokenToId("no-such-token"), 100);
  // The prompt of BLIP's conditional captioning.
  EXPECT_EQ(tok.Encode("a picture of"), (std::vector<int64_t>{101, 1037, 3861, 1997, 102}));
}

TEST(BertTokenizerTest, DecodeGeneratedIds) {
  const BertTokenizer tok = LoadOrDie(DataPath("models/blip-tiny"));
  // A generate() output: [DEC] prompt ... [SEP] [PAD] [PAD].
  // Expected strings from ../shared/reference-python/photoidx_ref.py.
  const std::vector<int64_t> ids = {30522, 1037, 3861, 1997, 1037, 3899, 1005,
                                    1055,  5725, 1012, 102,  0,    0};
  EXPECT_EQ(tok.Decode(ids, true), "a picture of a dog's tail.");
  EXPECT_EQ(tok.Decode(ids, false), "[DEC] a picture of a dog's tail. [SEP] [PAD] [PAD]");
  // "##" pieces join the previous token; ids outside the vocabulary are [UNK].
  const std::vector<int64_t> pieces = {4895, 8671, 2666, 3567, 6321, -5, 99999};
  EXPECT_EQ(tok.Decode(pieces, true), "unbelievably [UNK] [UNK]");
  EXPECT_EQ(tok.Decode(std::vector<int64_t>{}, true), "");
  // [ENC] is an additional special token beyond the vocabulary: transformers
  // decodes it as a separate sub-text, so a following "##" piece keeps its ##.
  EXPECT_EQ(tok.Decode(std::vector<int64_t>{1037, 30523, 2135}, false), "a [ENC] ##ly");
}

TEST(BertTokenizerTest, UnicodeHandling) {
  const BertTokenizer tok = LoadOrDie(DataPath("models/blip-tiny"));
  // With do_lower_case, PreTrainedTokenizer.tokenize lower-cases the text one
  // character at a time (re.sub "(.+?)") before BasicTokenizer: no final
  // sigma in BERT, unlike CLIP's per-word str.lower(). (The Python reference
  // implementation lowers per word here; the shared cases cannot tell.)
  EXPECT_EQ(tok.Tokenize("\xce\x9f\xce\x94\xce\x9f\xce\xa3"),
            tok.Tokenize("\xce\xbf\xce\xb4\xce\xbf\xcf\x83"));
  // NFD accents are stripped after NFC; invalid UTF-8 is dropped.
  EXPECT_EQ(tok.Encode("cafe\xcc\x81"), tok.Encode("cafe"));
  EXPECT_EQ(tok.Encode("do\xff"
                       "g"),
            tok.Encode("dog"));
  // A word longer than 100 characters is one [UNK].
  EXPECT_EQ(tok.Tokenize(std::string(101, 'b')), (std::vector<std::string>{"[UNK]"}));
}

TEST(BertTokenizerTest, LegacyConfigWithoutAddedTokensDecoder) {
  // The real Salesforce/blip-image-captioning-base files predate
  // added_tokens_decoder: [DEC]/[ENC] come from added_tokens.json.
  ScopedTempDir dir;
  namespace fs = std::filesystem;
  fs::create_symlink(fs::canonical(DataPath("models/blip-tiny/vocab.txt")), dir.Join("vocab.txt"));
  WriteFile(
      dir.Join("tokenizer_config.json"),
      R"({"do_lower_case": true, "tokenizer_class": "BertTokenizer", "model_max_length": 512})");
  WriteFile(dir.Join("special_tokens_map.json"),
            R"({"bos_token": "[DEC]", "additional_special_tokens": ["[ENC]"], "cls_token": "[CLS]",)"
            R"("sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",)"
            R"("mask_token": "[MASK]"})");
  WriteFile(dir.Join("added_tokens.json"), R"({"[DEC]": 30522, "[ENC]": 30523})");
  const BertTokenizer tok = LoadOrDie(dir.path());
  EXPECT_EQ(tok.Encode("[DEC] a picture of [ENC]"),
            (std::vector<int64_t>{101, 30522, 1037, 3861, 1997, 30523, 102}));
  EXPECT_EQ(tok.Decode(std::vector<int64_t>{30522, 1037, 102}, true), "a");

  // Without any config, [DEC] is plain text.
  fs::remove(dir.Join("tokenizer_config.json"));
  fs::remove(dir.Join("special_tokens_map.json"));
  fs::remove(dir.Join("added_tokens.json"));
  const BertTokenizer plain = LoadOrDie(dir.path());
  EXPECT_EQ(plain.Tokenize("[DEC]"), (std::vector<std::string>{"[", "dec", "]"}));
}

TEST(BertTokenizerTest, LoadErrors) {
  Result<BertTokenizer> missing = BertTokenizer::Load("/nonexistent/photoidx-model");
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().ToString().find("vocab.txt"), std::string::npos);

  ScopedTempDir dir;
  WriteFile(dir.Join("vocab.txt"), "");
  EXPECT_TRUE(BertTokenizer::Load(dir.path()).status().IsCorruption());
  WriteFile(dir.Join("vocab.txt"), "[PAD]\n\xff\n");
  EXPECT_TRUE(BertTokenizer::Load(dir.path()).status().IsCorruption());
  WriteFile(dir.Join("vocab.txt"), "[PAD]\n[UNK]\n");
  WriteFile(dir.Join("added_tokens.json"), R"({"[DEC]": "x"})");
  Result<BertTokenizer> bad = BertTokenizer::Load(dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("added_tokens.json"), std::string::npos);
}

}  // namespace
}  // namespace photoidx::models::tokenizer
