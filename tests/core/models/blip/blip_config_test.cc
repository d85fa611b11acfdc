// BlipConfig parsing: the full-style fixture config, the diff style with
// transformers' defaults (a missing head count takes 8 for text, 12 for
// vision), and the checks.
#include <gtest/gtest.h>

#include "core/models/blip/blip_config.h"
#include "tests/core/models/blip/blip_test_util.h"

namespace photoidx::models::blip {
namespace {

TEST(BlipConfigTest, FullStyleFixtureConfig) {
  auto c = LoadBlipConfig(test::BlipTinyDir() + "/config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->vision.hidden_size, 48);
  EXPECT_EQ(c->vision.num_hidden_layers, 2);
  EXPECT_EQ(c->vision.num_attention_heads, 4);
  EXPECT_EQ(c->vision.intermediate_size, 96);
  EXPECT_EQ(c->vision.image_size, 384);
  EXPECT_EQ(c->vision.patch_size, 16);
  EXPECT_EQ(c->vision.num_positions(), 577);
  EXPECT_DOUBLE_EQ(c->vision.layer_norm_eps, 1e-5);
  EXPECT_EQ(c->text.hidden_size, 24);
  EXPECT_EQ(c->text.num_attention_heads, 3);
  EXPECT_EQ(c->text.num_hidden_layers, 2);
  EXPECT_EQ(c->text.vocab_size, 30524);
  EXPECT_EQ(c->text.encoder_hidden_size, 48);
  EXPECT_EQ(c->text.bos_token_id, 30522);
  EXPECT_EQ(c->text.sep_token_id, 102);
  EXPECT_EQ(c->text.pad_token_id, 0);
  EXPECT_DOUBLE_EQ(c->text.layer_norm_eps, 1e-12);
}

TEST(BlipConfigTest, EmptyConfigIsBlipBase) {
  auto c = ParseBlipConfig("{}", "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->vision.hidden_size, 768);
  EXPECT_EQ(c->vision.num_hidden_layers, 12);
  EXPECT_EQ(c->vision.num_attention_heads, 12);
  EXPECT_EQ(c->vision.intermediate_size, 3072);
  EXPECT_EQ(c->vision.image_size, 384);
  EXPECT_EQ(c->vision.patch_size, 16);
  EXPECT_EQ(c->vision.hidden_act, "gelu");
  EXPECT_EQ(c->text.vocab_size, 30524);
  EXPECT_EQ(c->text.hidden_size, 768);
  EXPECT_EQ(c->text.num_attention_heads, 8);
  EXPECT_EQ(c->text.max_position_embeddings, 512);
  EXPECT_EQ(c->text.eos_token_id, 2);
  EXPECT_EQ(c->text.sep_token_id, 102);
  EXPECT_EQ(c->text.encoder_hidden_size, 768);
}

TEST(BlipConfigTest, DiffStyleTakesDefaultsForMissingHeads) {
  auto c = ParseBlipConfig(R"({"model_type": "blip",
      "text_config": {"hidden_size": 24, "intermediate_size": 96, "num_hidden_layers": 2},
      "vision_config": {"hidden_size": 48, "num_hidden_layers": 2, "image_size": 64}})",
                           "config.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text.num_attention_heads, 8);
  EXPECT_EQ(c->vision.num_attention_heads, 12);
  EXPECT_EQ(c->vision.image_size, 64);
  EXPECT_EQ(c->vision.num_positions(), 17);
  EXPECT_EQ(c->text.encoder_hidden_size, 48);  // always the vision width
}

TEST(BlipConfigTest, EncoderHiddenSizeFollowsVision) {
  auto c = ParseBlipConfig(R"({"text_config": {"encoder_hidden_size": 1024},
                              "vision_config": {"hidden_size": 96}})", "c.json");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->text.encoder_hidden_size, 96);
}

TEST(BlipConfigTest, Errors) {
  struct Case {
    const char* json;
    Status::Code code;
  };
  const Case cases[] = {
      {R"({"text_config": {"hidden_act": "gelu_new"}})", Status::Code::kNotSupported},
      {R"({"vision_config": {"hidden_act": "quick_gelu"}})", Status::Code::kNotSupported},
      {R"({"model_type": "clip"})", Status::Code::kNotSupported},
      {R"({"text_config": {"hidden_size": 100}})", Status::Code::kInvalidArgument},
      {R"({"vision_config": {"image_size": 380}})", Status::Code::kInvalidArgument},
      {R"({"vision_config": {"patch_size": 0}})", Status::Code::kInvalidArgument},
      {R"({"vision_config": {"num_channels": 1}})", Status::Code::kNotSupported},
      {R"({"text_config": {"num_hidden_layers": -1}})", Status::Code::kInvalidArgument},
      {R"({"text_config": {"sep_token_id": 40000}})", Status::Code::kInvalidArgument},
      {R"({"text_config": {"hidden_size": "x"}})", Status::Code::kInvalidArgument},
      {R"({"text_config": 3})", Status::Code::kInvalidArgument},
      {R"([1, 2])", Status::Code::kInvalidArgument},
      {R"({)", Status::Code::kInvalidArgument},
  };
  for (const Case& c : cases) {
    auto r = ParseBlipConfig(c.json, "config.json");
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), c.code) << c.json << " -> " << r.status().ToString();
    EXPECT_NE(r.status().message().find("config.json"), std::string::npos)
        << r.status().ToString();
  }
}

}  // namespace
}  // namespace photoidx::models::blip
