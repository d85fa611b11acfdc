// The CLIP embedders end to end (decode -> preprocess -> vision tower, and
// tokenizer -> text tower) against the transformers reference embeddings of
// the shared tiny checkpoints (atol 1e-4), plus batching and options.
#include "core/models/clip/clip_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/image/image.h"
#include "tests/core/models/clip/clip_test_util.h"

namespace photoidx::models::clip {
namespace {

constexpr double kAtol = 1e-4;

ModelOptions Fp32Options(const std::string& model) {
  return ModelOptions{
      .model = test::ModelDir(model), .device = Device::kCpu, .dtype = DType::kFp32, .threads = 0};
}

nlohmann::json ExpectedJson(const std::string& model) {
  std::ifstream in(photoidx::test::DataPath("reference/" + model + ".expected.json"));
  return nlohmann::json::parse(in);
}

// rows x cols floats as a [rows, cols] tensor (a copy).
at::Tensor AsTensor(const std::vector<float>& v, int64_t cols) {
  return at::tensor(v).view({-1, cols});
}

bool HaveTokenizerFiles(const std::string& model) {
  return std::ifstream(test::ModelDir(model) + "/vocab.json").good() &&
         std::ifstream(test::ModelDir(model) + "/merges.txt").good();
}

class ClipEmbedderTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClipEmbedderTest, ImageEmbeddingsOfDecodedReferenceImages) {
  image::InitImageLibraries();
  auto embedder = LoadClipImageEmbedder(Fp32Options(GetParam()));
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  const ModelInfo& info = (*embedder)->info();
  EXPECT_EQ(info.name, test::ModelDir(GetParam()));
  EXPECT_EQ(info.fingerprint.size(), 64u);
  EXPECT_EQ((*embedder)->input_side(), 224);

  std::vector<image::Image> images;
  const nlohmann::json expected = ExpectedJson(GetParam());
  for (const auto& name : expected["images"]) {
    auto decoded =
        image::DecodeFile(photoidx::test::DataPath("reference/images/" + name.get<std::string>()));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    images.push_back(std::move(decoded->image));
  }
  ASSERT_EQ(images.size(), 6u);
  std::vector<const image::Image*> ptrs;
  for (const auto& im : images) ptrs.push_back(&im);
  auto batched = (*embedder)->EmbedImages(ptrs);
  ASSERT_TRUE(batched.ok()) << batched.status().ToString();
  at::Tensor got = AsTensor(*batched, info.dim);
  EXPECT_TRUE(
      test::AllClose(got, test::Expected(GetParam()).Get("image_embeds_normalized"), kAtol));

  // One at a time gives the same rows.
  for (size_t i = 0; i < ptrs.size(); ++i) {
    auto single = (*embedder)->EmbedImages(std::span(&ptrs[i], 1));
    ASSERT_TRUE(single.ok()) << single.status().ToString();
    EXPECT_TRUE(test::AllClose(AsTensor(*single, info.dim)[0], got[i], 1e-5)) << "image " << i;
  }
}

TEST_P(ClipEmbedderTest, TextEmbeddingsAndTokensOfAllQueries) {
  ASSERT_TRUE(HaveTokenizerFiles(GetParam())) << "vocab.json / merges.txt missing in tests/data";
  auto embedder = LoadClipTextEmbedder(Fp32Options(GetParam()));
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  std::vector<std::string> texts;
  const nlohmann::json expected = ExpectedJson(GetParam());
  for (const auto& q : expected["queries"]) {
    texts.push_back(q["text"].get<std::string>());
    EXPECT_EQ((*embedder)->Tokenize(texts.back()), q["input_ids"].get<std::vector<int64_t>>())
        << texts.back();
  }
  auto got = (*embedder)->EmbedTexts(texts);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const int dim = (*embedder)->info().dim;
  at::Tensor rows = AsTensor(*got, dim);
  EXPECT_TRUE(
      test::AllClose(rows, test::Expected(GetParam()).Get("text_embeds_normalized"), kAtol));
  for (size_t i = 0; i < texts.size(); i += 7) {
    auto single = (*embedder)->EmbedTexts(std::span(&texts[i], 1));
    ASSERT_TRUE(single.ok()) << single.status().ToString();
    EXPECT_TRUE(test::AllClose(AsTensor(*single, dim)[0], rows[i], 1e-5)) << texts[i];
  }
}

TEST_P(ClipEmbedderTest, EmptyInputsGiveEmptyOutputs) {
  auto embedder = LoadClipImageEmbedder(Fp32Options(GetParam()));
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  auto none = (*embedder)->EmbedImages({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  image::Image empty;
  const image::Image* ptr = &empty;
  EXPECT_FALSE((*embedder)->EmbedImages(std::span(&ptr, 1)).ok());
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ClipEmbedderTest, test::ClipModels(), test::ModelTestName);

// One photo stored with each EXIF orientation (pixels transformed to match,
// tests/data/images/PROVENANCE.md): decoded upright, every variant embeds
// like the plain one, while the same pixels turned a quarter (what a decoder
// that ignored orientation would feed the model) do not.
TEST(ClipOrientationTest, OrientationVariantsEmbedAlike) {
  image::InitImageLibraries();
  auto embedder = LoadClipImageEmbedder(Fp32Options("clip-tiny-quickgelu"));
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  std::vector<image::Image> images;
  for (int i = 1; i <= 8; ++i) {
    auto d = image::DecodeFile(photoidx::test::DataPath(
        "images/orientation/jpeg/Portrait_" + std::to_string(i) + ".jpg"));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    images.push_back(std::move(d->image));
  }
  // images[0] turned 90 degrees clockwise.
  const image::Image& up = images[0];
  image::Image turned;
  turned.width = up.height;
  turned.height = up.width;
  turned.pixels.resize(up.pixels.size());
  for (int y = 0; y < up.height; ++y) {
    for (int x = 0; x < up.width; ++x) {
      const size_t from = (size_t(y) * up.width + x) * 3;
      const size_t to = (size_t(x) * turned.width + (turned.width - 1 - y)) * 3;
      std::copy_n(up.pixels.begin() + long(from), 3, turned.pixels.begin() + long(to));
    }
  }
  images.push_back(std::move(turned));
  std::vector<const image::Image*> ptrs;
  for (const auto& im : images) ptrs.push_back(&im);
  auto emb = (*embedder)->EmbedImages(ptrs);
  ASSERT_TRUE(emb.ok()) << emb.status().ToString();
  const int dim = (*embedder)->info().dim;
  auto cosine = [&](size_t a, size_t b) {  // rows are L2-normalised
    double dot = 0;
    for (int k = 0; k < dim; ++k) dot += double((*emb)[a * dim + k]) * (*emb)[b * dim + k];
    return dot;
  };
  double worst = 1;
  for (size_t i = 1; i < 8; ++i) worst = std::min(worst, cosine(0, i));
  const double turned_cos = cosine(0, 8);
  std::printf("[ orientation] worst variant cosine %.6f; a quarter turn %.6f\n", worst,
              turned_cos);
  EXPECT_GT(worst, 0.999);
  EXPECT_LT(turned_cos, worst);
}

TEST(ClipEmbedderOptionsTest, Fp16OnCpuIsRefused) {
  ModelOptions o = Fp32Options("clip-tiny-quickgelu");
  o.dtype = DType::kFp16;
  o.device = Device::kCpu;
  auto r = LoadClipImageEmbedder(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

TEST(ClipEmbedderOptionsTest, CudaWithoutGpuIsRefused) {
  if (torchutil::CudaAvailable()) GTEST_SKIP() << "a GPU is present";
  ModelOptions o = Fp32Options("clip-tiny-quickgelu");
  o.device = Device::kCuda;
  auto r = LoadClipImageEmbedder(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotSupported()) << r.status().ToString();
}

TEST(ClipEmbedderOptionsTest, MissingFolderIsNotFound) {
  auto r = LoadClipImageEmbedder(Fp32Options("no-such-model-folder"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
}

}  // namespace
}  // namespace photoidx::models::clip
