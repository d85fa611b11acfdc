#include "core/models/hf/json_config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::models::hf {
namespace {

using Kind = JsonObject::Kind;

TEST(JsonConfigTest, TypedGettersWithFallbacks) {
  auto j = ParseJsonObject(R"({"i": 3, "f": 224.0, "d": 0.5, "b": true, "s": "gelu", "n": null,
                               "a": [1, 2], "da": [0.5, 1], "sa": ["x"],
                               "o": {"k": 7}, "oa": [{"k": 1}, {"k": 2}]})",
                           "cfg.json");
  ASSERT_OK(j.status());
  EXPECT_EQ(*j->GetInt("i", 0), 3);
  EXPECT_EQ(*j->GetInt("f", 0), 224);  // integral float accepted
  EXPECT_EQ(*j->GetInt("missing", 9), 9);
  EXPECT_EQ(*j->GetInt("n", 9), 9);  // null = absent
  EXPECT_EQ(*j->GetDouble("i", 0), 3.0);
  EXPECT_EQ(*j->GetDouble("d", 0), 0.5);
  EXPECT_TRUE(*j->GetBool("b", false));
  EXPECT_EQ(*j->GetString("s", ""), "gelu");
  EXPECT_EQ(*j->GetIntArray("a"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(*j->GetDoubleArray("da"), (std::vector<double>{0.5, 1}));
  EXPECT_EQ(*j->GetStringArray("sa"), (std::vector<std::string>{"x"}));
  auto o = j->GetObject("o");
  ASSERT_OK(o.status());
  EXPECT_EQ(*o->GetInt("k", 0), 7);
  auto none = j->GetObject("absent");
  ASSERT_OK(none.status());
  EXPECT_EQ(*none->GetInt("k", 5), 5);
  auto oa = j->GetObjectArray("oa");
  ASSERT_OK(oa.status());
  ASSERT_EQ(oa->size(), 2u);
  EXPECT_EQ(*(*oa)[1].GetInt("k", 0), 2);
  EXPECT_EQ(j->TypeOf("o"), Kind::kObject);
  EXPECT_EQ(j->TypeOf("n"), Kind::kNull);
  EXPECT_EQ(j->TypeOf("zz"), Kind::kMissing);
  EXPECT_TRUE(j->Has("i"));
  EXPECT_FALSE(j->Has("n"));
  EXPECT_EQ(j->DumpValue("a"), "[1,2]");
  EXPECT_EQ(j->Keys().size(), 11u);
}

TEST(JsonConfigTest, TypeErrorsNameFileAndKeyPath) {
  auto j = ParseJsonObject(R"({"text_config": {"hidden_size": "big", "eps": 1.5}})", "config.json");
  ASSERT_OK(j.status());
  auto text = j->GetObject("text_config");
  ASSERT_OK(text.status());
  Status s = text->GetInt("hidden_size", 0).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(s.message(), "config.json: text_config.hidden_size: expected an integer, got string \"big\"");
  EXPECT_TRUE(text->GetInt("eps", 0).status().IsInvalidArgument());  // 1.5 is not integral
  EXPECT_TRUE(j->GetString("text_config", "").status().IsInvalidArgument());
  EXPECT_TRUE(j->GetObject("text_config").ok());
  EXPECT_EQ(text->where(), "config.json: text_config");
}

TEST(JsonConfigTest, ParseAndLoadErrors) {
  Status bad = ParseJsonObject("{\"a\": [1,", "x.json").status();
  EXPECT_TRUE(bad.IsInvalidArgument());
  EXPECT_NE(bad.message().find("x.json: invalid JSON"), std::string::npos) << bad.ToString();
  EXPECT_TRUE(ParseJsonObject("[1]", "x.json").status().IsInvalidArgument());
  test::ScopedTempDir dir;
  EXPECT_TRUE(LoadJsonObject(dir.Join("none.json")).status().IsNotFound());
  EXPECT_TRUE(LoadJsonObject(dir.path()).status().IsIOError());
  std::ofstream(dir.Join("c.json")) << R"({"model_type": "clip"})";
  auto ok = LoadJsonObject(dir.Join("c.json"));
  ASSERT_OK(ok.status());
  EXPECT_EQ(*ok->GetString("model_type", ""), "clip");
  auto real = LoadJsonObject(test::DataPath("models/blip-tiny/config.json"));
  ASSERT_OK(real.status());
  EXPECT_TRUE(real->Has("text_config"));
}

}  // namespace
}  // namespace photoidx::models::hf
