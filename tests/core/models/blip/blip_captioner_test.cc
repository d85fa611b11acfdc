// The torch-free Captioner (LoadBlipCaptioner) on blip-tiny: captions and
// ids exactly as transformers 4.40 BlipProcessor + generate produce them
// from the reference image files, option checking, and the bfloat16 path.
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/models/blip/blip_model.h"
#include "tests/core/models/blip/blip_test_util.h"

namespace photoidx::models::blip {
namespace {

ModelOptions TinyOptions(DType dtype = DType::kFp32) {
  ModelOptions o;
  o.model = test::BlipTinyDir();
  o.device = Device::kCpu;
  o.dtype = dtype;
  o.threads = 1;  // tiny model: see LoadTinyFp32
  return o;
}

std::vector<const image::Image*> ImagePointers() {
  std::vector<const image::Image*> out;
  for (const image::Image& im : test::ReferenceRgbImages()) out.push_back(&im);
  return out;
}

class BlipCaptionerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = LoadBlipCaptioner(TinyOptions());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    captioner_ = std::move(*r);
  }
  std::unique_ptr<Captioner> captioner_;
};

TEST_F(BlipCaptionerTest, InfoAndInputSide) {
  EXPECT_EQ(captioner_->info().name, test::BlipTinyDir());
  EXPECT_EQ(captioner_->info().fingerprint.size(), 64u);
  EXPECT_EQ(captioner_->info().dim, 0);
  EXPECT_EQ(captioner_->input_side(), 384);
}

CaptionOptions ModeOptions(const nlohmann::json& expected, const std::string& mode) {
  const nlohmann::json& kw = expected["generate_kwargs"][mode];
  CaptionOptions o;
  if (mode == "greedy_prompt") o.prompt = expected["prompt"].get<std::string>();
  o.num_beams = kw.value("num_beams", 1);
  o.max_length = kw.value("max_length", 20);
  o.min_length = kw.value("min_length", 0);
  return o;
}

TEST_F(BlipCaptionerTest, CaptionsMatchTransformersInEveryMode) {
  nlohmann::json expected = test::ReadJson("reference/blip-tiny.expected.json");
  ASSERT_FALSE(expected.is_discarded());
  std::vector<const image::Image*> images = ImagePointers();
  for (const std::string mode : {"greedy", "greedy_prompt", "beam"}) {
    CaptionOptions options = ModeOptions(expected, mode);
    auto batch = captioner_->CaptionImages(images, options);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_EQ(batch->size(), images.size());
    const nlohmann::json& per_image = expected["results"][mode]["per_image"];
    for (size_t i = 0; i < images.size(); ++i) {
      const std::string label = mode + " image " + std::to_string(i);
      EXPECT_EQ((*batch)[i].ids, test::Ids(per_image[i]["ids"])) << label;
      EXPECT_EQ((*batch)[i].text, per_image[i]["caption"].get<std::string>()) << label;
      auto single = captioner_->CaptionImages({&images[i], 1}, options);
      ASSERT_TRUE(single.ok()) << single.status().ToString();
      EXPECT_EQ((*single)[0].ids, (*batch)[i].ids) << label;
      EXPECT_EQ((*single)[0].text, (*batch)[i].text) << label;
    }
  }
}

TEST_F(BlipCaptionerTest, ExtraGenerateCaptions) {
  nlohmann::json extra = test::ReadJson("reference/blip-tiny.extra-generate.json");
  ASSERT_FALSE(extra.is_discarded());
  std::vector<const image::Image*> images = ImagePointers();
  for (const nlohmann::json& c : extra["cases"]) {
    const nlohmann::json& kw = c["generate_kwargs"];
    CaptionOptions o;
    o.num_beams = kw.value("num_beams", 1);
    o.max_length = kw.value("max_length", 20);
    o.min_length = kw.value("min_length", 0);
    o.length_penalty = kw.value("length_penalty", 1.0);
    auto got = captioner_->CaptionImages(images, o);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    for (size_t i = 0; i < images.size(); ++i) {
      EXPECT_EQ((*got)[i].ids, test::Ids(c["per_image"][i]["ids"])) << kw.dump() << " image " << i;
      EXPECT_EQ((*got)[i].text, c["per_image"][i]["caption"].get<std::string>()) << kw.dump();
    }
  }
}

TEST_F(BlipCaptionerTest, EmptyBatchGivesNoCaptions) {
  auto got = captioner_->CaptionImages({}, CaptionOptions{});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->empty());
}

TEST_F(BlipCaptionerTest, BadOptionsAreInvalidArgument) {
  std::vector<const image::Image*> images = ImagePointers();
  std::vector<CaptionOptions> bad(6);
  bad[0].num_beams = 0;
  bad[1].num_beams = 1000;
  bad[2].max_length = 0;
  bad[3].min_length = -1;
  bad[4].max_length = 600;  // beyond the 512 position embeddings
  bad[5].length_penalty = std::numeric_limits<double>::infinity();
  for (const CaptionOptions& o : bad) {
    auto got = captioner_->CaptionImages(images, o);
    ASSERT_FALSE(got.ok());
    EXPECT_TRUE(got.status().IsInvalidArgument()) << got.status().ToString();
  }
}

TEST_F(BlipCaptionerTest, EmptyImageIsInvalidArgument) {
  image::Image empty;
  std::vector<const image::Image*> images = {&test::ReferenceRgbImages()[0], &empty};
  auto got = captioner_->CaptionImages(images, CaptionOptions{});
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsInvalidArgument()) << got.status().ToString();
}

TEST_F(BlipCaptionerTest, PromptLongerThanMaxLengthStillGeneratesOneToken) {
  // transformers only warns and generates one token; so do we.
  const image::Image* image = &test::ReferenceRgbImages()[0];
  CaptionOptions o{.prompt = "a picture of", .max_length = 2};
  auto got = captioner_->CaptionImages({&image, 1}, o);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ((*got)[0].ids.size(), 5u);
  EXPECT_EQ((std::vector<int64_t>((*got)[0].ids.begin(), (*got)[0].ids.begin() + 4)),
            (std::vector<int64_t>{30522, 1037, 3861, 1997}));
}

// bfloat16 (CPU) and float16 (CUDA) are speed paths: their deviation from
// float32 on the same device is reported, and only checked for sanity (the
// tiny model's greedy gaps are ~3e-3, far below bfloat16 rounding, so its ids
// may legitimately differ).
void CheckReducedPrecision(const at::Device& device, at::ScalarType reduced) {
  torchutil::SetTorchThreads(1);
  auto fp32 = BlipGenerator::LoadDir(test::BlipTinyDir(), device, at::kFloat);
  auto low = BlipGenerator::LoadDir(test::BlipTinyDir(), device, reduced);
  ASSERT_TRUE(fp32.ok() && low.ok());
  at::Tensor pixels = test::ReferencePixelValues();
  auto s32 = (*fp32)->EncodeImages(pixels);
  auto s16 = (*low)->EncodeImages(pixels);
  ASSERT_TRUE(s32.ok() && s16.ok()) << s16.status().ToString();
  const double vision_dev = test::MaxAbsDiff(*s32, *s16);
  const double vision_max = s32->abs().max().item<double>();

  const BlipTextDecoder& d32 = (*fp32)->decoder();
  const BlipTextDecoder& d16 = (*low)->decoder();
  BlipKVCache c32 = d32.NewCache(6, 4), c16 = d16.NewCache(6, 4);
  at::Tensor ids = at::full({6, 1}, 30522, at::kLong);
  at::Tensor l32 = d32.Step(ids, d32.ProjectImage(*s32), &c32);
  at::Tensor l16 = d16.Step(ids, d16.ProjectImage(*s32), &c16);
  const double logit_dev = test::MaxAbsDiff(l32, l16);
  const double logit_max = l32.abs().max().item<double>();
  std::printf("[ %s %s ] vision max|diff| %.4g (max|x| %.3g); first-step logits max|diff| %.4g "
              "(max|x| %.3g)\n", torchutil::DTypeShortName(reduced), device.str().c_str(),
              vision_dev, vision_max, logit_dev, logit_max);
  EXPECT_EQ(l16.scalar_type(), at::kFloat);
  EXPECT_LT(vision_dev, 0.05 * vision_max);
  EXPECT_LT(logit_dev, 0.05 * logit_max);

  auto g16 = (*low)->Generate(*s16, GenerateOptions{.prompt = {30522}, .num_beams = 3});
  ASSERT_TRUE(g16.ok()) << g16.status().ToString();
  ASSERT_EQ(g16->size(), 6u);
  for (const Generated& g : *g16) {
    EXPECT_EQ(g.ids.front(), 30522);
    EXPECT_LE(g.ids.size(), 20u);
  }
}

TEST(BlipReducedPrecisionTest, Bfloat16OnCpu) { CheckReducedPrecision(at::kCPU, at::kBFloat16); }

TEST(BlipReducedPrecisionTest, Float16OnCuda) {
  if (!torchutil::CudaAvailable()) GTEST_SKIP() << "no CUDA device";
  CheckReducedPrecision(at::Device(at::kCUDA, 0), at::kHalf);
}

}  // namespace
}  // namespace photoidx::models::blip
