#include "core/models/hf/preprocessor_config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::models::hf {
namespace {

using Processor = PreprocessorConfig::Processor;
using test::DataPath;

void ExpectOpenAiNormalisation(const PreprocessorConfig& c) {
  EXPECT_TRUE(c.do_rescale);
  EXPECT_EQ(c.rescale_factor, 1.0 / 255.0);
  EXPECT_TRUE(c.do_normalize);
  EXPECT_EQ(c.mean, kOpenAiClipMean);
  EXPECT_EQ(c.std, kOpenAiClipStd);
  EXPECT_TRUE(c.do_convert_rgb);
  EXPECT_EQ(c.resample, 3);
}

// Format 1: the real openai/clip-vit-base-patch32 file (CLIPFeatureExtractor,
// "size": 224, "crop_size": 224, no do_rescale / rescale_factor / do_convert_rgb).
TEST(PreprocessorConfigTest, LegacyOpenAiClip) {
  auto c = LoadPreprocessorConfig(DataPath("models/clip-tiny-quickgelu"));
  ASSERT_OK(c.status());
  EXPECT_EQ(c->processor, Processor::kClip);
  EXPECT_TRUE(c->do_resize);
  EXPECT_EQ(c->shortest_edge, 224);
  EXPECT_EQ(c->resize_height, 0);
  EXPECT_TRUE(c->do_center_crop);
  EXPECT_EQ(c->crop_height, 224);
  EXPECT_EQ(c->crop_width, 224);
  ExpectOpenAiNormalisation(*c);
}

// Format 2: written by CLIPImageProcessor 4.40 (dicts, _valid_processor_keys).
TEST(PreprocessorConfigTest, Transformers440Clip) {
  auto c = LoadPreprocessorConfig(DataPath("models/clip-tiny-gelu-fp16"));
  ASSERT_OK(c.status());
  EXPECT_EQ(c->processor, Processor::kClip);
  EXPECT_EQ(c->shortest_edge, 224);
  EXPECT_TRUE(c->do_center_crop);
  EXPECT_EQ(c->crop_height, 224);
  EXPECT_EQ(c->crop_width, 224);
  EXPECT_EQ(c->rescale_factor, 0.00392156862745098);
  ExpectOpenAiNormalisation(*c);
}

// Format 3: the real Salesforce/blip-image-captioning-base file ("size": 384).
TEST(PreprocessorConfigTest, RealBlip) {
  auto c = LoadPreprocessorConfig(DataPath("models/blip-tiny"));
  ASSERT_OK(c.status());
  EXPECT_EQ(c->processor, Processor::kBlip);
  EXPECT_EQ(c->shortest_edge, 0);
  EXPECT_EQ(c->resize_height, 384);
  EXPECT_EQ(c->resize_width, 384);
  EXPECT_FALSE(c->do_center_crop);
  ExpectOpenAiNormalisation(*c);
}

// Format 4: written by BlipImageProcessor 4.40 ("size": {"height", "width"}).
TEST(PreprocessorConfigTest, Transformers440Blip) {
  auto c = ParsePreprocessorConfig(R"({
    "_valid_processor_keys": ["images", "do_resize", "size"],
    "do_convert_rgb": true, "do_normalize": true, "do_rescale": true, "do_resize": true,
    "image_mean": [0.48145466, 0.4578275, 0.40821073],
    "image_processor_type": "BlipImageProcessor",
    "image_std": [0.26862954, 0.26130258, 0.27577711],
    "processor_class": "BlipProcessor", "resample": 3,
    "rescale_factor": 0.00392156862745098,
    "size": {"height": 384, "width": 320}})",
                                   "hf-blip.json");
  ASSERT_OK(c.status());
  EXPECT_EQ(c->processor, Processor::kBlip);
  EXPECT_EQ(c->resize_height, 384);
  EXPECT_EQ(c->resize_width, 320);
  EXPECT_FALSE(c->do_center_crop);
  ExpectOpenAiNormalisation(*c);
}

TEST(PreprocessorConfigTest, ClassDefaultsForMissingKeys) {
  auto clip = ParsePreprocessorConfig(R"({"image_processor_type": "CLIPImageProcessor"})", "x");
  ASSERT_OK(clip.status());
  EXPECT_EQ(clip->shortest_edge, 224);
  EXPECT_TRUE(clip->do_center_crop);
  EXPECT_EQ(clip->crop_height, 224);
  ExpectOpenAiNormalisation(*clip);
  auto blip = ParsePreprocessorConfig(R"({"feature_extractor_type": "BlipFeatureExtractor"})", "x");
  ASSERT_OK(blip.status());
  EXPECT_EQ(blip->processor, Processor::kBlip);
  EXPECT_EQ(blip->resize_height, 384);
  EXPECT_EQ(blip->resize_width, 384);
  ExpectOpenAiNormalisation(*blip);
}

TEST(PreprocessorConfigTest, ClipWithHeightWidthSizeAndScalarMean) {
  auto c = ParsePreprocessorConfig(
      R"({"image_processor_type": "CLIPImageProcessor", "size": {"height": 256, "width": 256},
          "crop_size": {"height": 240, "width": 200}, "image_mean": 0.5, "image_std": [0.5, 0.5, 0.5]})",
      "x");
  ASSERT_OK(c.status());
  EXPECT_EQ(c->shortest_edge, 0);
  EXPECT_EQ(c->resize_height, 256);
  EXPECT_EQ(c->crop_height, 240);
  EXPECT_EQ(c->crop_width, 200);
  EXPECT_EQ(c->mean, (std::array<float, 3>{0.5f, 0.5f, 0.5f}));
}

TEST(PreprocessorConfigTest, Errors) {
  const std::string clip = R"("image_processor_type": "CLIPImageProcessor")";
  auto parse = [&](const std::string& body) {
    return ParsePreprocessorConfig("{" + clip + "," + body + "}", "pp.json").status();
  };
  Status s = parse(R"("resample": 2)");
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.ToString().find("pp.json"), std::string::npos);
  EXPECT_TRUE(parse(R"("size": {"longest_edge": 3})").IsInvalidArgument());
  EXPECT_TRUE(parse(R"("size": -4)").IsInvalidArgument());
  EXPECT_TRUE(parse(R"("size": "big")").IsInvalidArgument());
  EXPECT_TRUE(parse(R"("crop_size": {"height": 3})").IsInvalidArgument());
  EXPECT_TRUE(parse(R"("image_mean": [0.5, 0.5])").IsInvalidArgument());
  EXPECT_TRUE(parse(R"("image_std": [0.5, 0, 0.5])").IsInvalidArgument());
  EXPECT_TRUE(parse(R"("do_resize": "yes")").IsInvalidArgument());
  Status blip_shortest = ParsePreprocessorConfig(
      R"({"image_processor_type": "BlipImageProcessor", "size": {"shortest_edge": 384}})", "b")
                             .status();
  EXPECT_TRUE(blip_shortest.IsInvalidArgument()) << blip_shortest.ToString();
  EXPECT_TRUE(ParsePreprocessorConfig(R"({"image_processor_type": "SiglipImageProcessor"})", "s")
                  .status()
                  .IsNotSupported());
  Status bad_json = ParsePreprocessorConfig("{\"size\": ", "pp.json").status();
  EXPECT_TRUE(bad_json.IsInvalidArgument());
  EXPECT_NE(bad_json.ToString().find("pp.json"), std::string::npos);

  test::ScopedTempDir dir;
  EXPECT_TRUE(LoadPreprocessorConfig(dir.path()).status().IsNotFound());
}

}  // namespace
}  // namespace photoidx::models::hf
