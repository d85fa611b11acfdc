// CLIPConfig parsing: full and diff styles, transformers' defaults, the
// legacy *_config_dict objects, and clear errors.
#include "core/models/clip_common/clip_config.h"

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::models::clip {
namespace {

TEST(ClipConfigTest, FullStyleFixture) {
  auto c = LoadClipConfig(photoidx::test::DataPath("models/clip-tiny-quickgelu"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text.hidden_size, 40);
  EXPECT_EQ(c->text.num_attention_heads, 5);
  EXPECT_EQ(c->text.num_hidden_layers, 2);
  EXPECT_EQ(c->text.intermediate_size, 160);
  EXPECT_EQ(c->text.hidden_act, Activation::kQuickGelu);
  EXPECT_EQ(c->text.eos_token_id, 2);
  EXPECT_TRUE(c->text.legacy_eos_pooling());
  EXPECT_EQ(c->vision.hidden_size, 64);
  EXPECT_EQ(c->vision.patch_size, 32);
  EXPECT_EQ(c->vision.num_positions(), 50);
  EXPECT_EQ(c->projection_dim, 32);
  EXPECT_DOUBLE_EQ(c->vision.layer_norm_eps, 1e-5);
}

TEST(ClipConfigTest, DiffStyleFixtureTakesDefaults) {
  auto c = LoadClipConfig(photoidx::test::DataPath("models/clip-tiny-gelu-fp16"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text.hidden_size, 32);
  EXPECT_EQ(c->text.hidden_act, Activation::kGelu);
  EXPECT_EQ(c->text.eos_token_id, 49407);  // default
  EXPECT_FALSE(c->text.legacy_eos_pooling());
  EXPECT_EQ(c->text.vocab_size, 49408);
  EXPECT_EQ(c->text.max_position_embeddings, 77);
  EXPECT_EQ(c->vision.image_size, 224);  // default
  EXPECT_EQ(c->vision.patch_size, 16);
  EXPECT_EQ(c->vision.num_positions(), 197);
  EXPECT_EQ(c->vision.num_attention_heads, 3);
  EXPECT_EQ(c->projection_dim, 24);
}

TEST(ClipConfigTest, EmptyConfigIsVitB32) {
  auto c = ParseClipConfig("{}", "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text.hidden_size, 512);
  EXPECT_EQ(c->text.intermediate_size, 2048);
  EXPECT_EQ(c->text.num_hidden_layers, 12);
  EXPECT_EQ(c->text.num_attention_heads, 8);
  EXPECT_EQ(c->vision.hidden_size, 768);
  EXPECT_EQ(c->vision.intermediate_size, 3072);
  EXPECT_EQ(c->vision.num_attention_heads, 12);
  EXPECT_EQ(c->vision.patch_size, 32);
  EXPECT_EQ(c->vision.hidden_act, Activation::kQuickGelu);
  EXPECT_EQ(c->projection_dim, 512);
}

TEST(ClipConfigTest, LegacyConfigDictWins) {
  auto c = ParseClipConfig(
      R"({"text_config": {"hidden_size": 64, "num_attention_heads": 4},
          "text_config_dict": {"hidden_size": 128, "eos_token_id": 2},
          "vision_config_dict": {"layer_norm_eps": 1e-6}})",
      "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text.hidden_size, 128);
  EXPECT_EQ(c->text.num_attention_heads, 8);  // the dict's default, as transformers
  EXPECT_TRUE(c->text.legacy_eos_pooling());
  EXPECT_DOUBLE_EQ(c->vision.layer_norm_eps, 1e-6);
}

TEST(ClipConfigTest, UnsupportedActivationIsNamed) {
  auto c = ParseClipConfig(R"({"text_config": {"hidden_act": "relu"}})", "config.json");
  ASSERT_TRUE(c.status().IsNotSupported()) << c.status().ToString();
  EXPECT_NE(c.status().message().find("text_config.hidden_act"), std::string::npos);
  EXPECT_NE(c.status().message().find("'relu'"), std::string::npos);
}

TEST(ClipConfigTest, BadValuesAreInvalidArgument) {
  for (const char* text : {R"({"vision_config": {"hidden_size": 100, "num_attention_heads": 12}})",
                           R"({"text_config": {"hidden_size": "wide"}})",
                           R"({"text_config": {"num_hidden_layers": 0}})",
                           R"({"projection_dim": -1})", "[1, 2]", "{\"a\": "}) {
    auto c = ParseClipConfig(text, "config.json");
    EXPECT_TRUE(c.status().IsInvalidArgument()) << text << " -> " << c.status().ToString();
  }
}

TEST(ClipConfigTest, OtherModelTypesAreRefused) {
  auto c = ParseClipConfig(R"({"model_type": "blip"})", "config.json");
  EXPECT_TRUE(c.status().IsNotSupported()) << c.status().ToString();
}

}  // namespace
}  // namespace photoidx::models::clip
