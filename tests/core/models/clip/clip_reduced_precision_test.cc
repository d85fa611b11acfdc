// The bfloat16 CPU speed path (and float16 on CUDA when a GPU is present)
// measured against the float32 parity path on the shared tiny models.
// Reports cosine and max abs deviation of the embeddings (printed, for
// docs/benchmarks.md); asserts only that the reduced path is numerically
// sane (cosine > 0.99), never anything about speed.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "core/models/clip/clip_loader.h"
#include "tests/core/models/clip/clip_test_util.h"

namespace photoidx::models::clip {
namespace {

struct Deviation {
  double min_cosine = 1, max_abs = 0;
};

Deviation Compare(const at::Tensor& reduced, const at::Tensor& fp32) {
  at::Tensor a = reduced.to(at::kCPU, at::kFloat), b = fp32.to(at::kCPU, at::kFloat);
  at::Tensor cos = (test::Normalize(a) * test::Normalize(b)).sum(-1);
  return {cos.min().item<double>(), (a - b).abs().max().item<double>()};
}

void Report(const std::string& what, const Deviation& d) {
  std::printf("[ deviation] %-44s min cosine %.6f  max abs %.3g\n", what.c_str(), d.min_cosine,
              d.max_abs);
  EXPECT_GT(d.min_cosine, 0.99) << what;
}

void MeasureDeviation(const std::string& model, const torchutil::Placement& reduced) {
  auto fp32 = LoadClipModel(test::ModelDir(model), test::TestFp32(), true, true);
  auto low = LoadClipModel(test::ModelDir(model), reduced, true, true);
  ASSERT_TRUE(fp32.ok()) << fp32.status().ToString();
  ASSERT_TRUE(low.ok()) << low.status().ToString();
  at::Tensor pixels = test::PixelValues().Get("pixel_values");
  test::TensorFile expected = test::Expected(model);
  at::Tensor ids = expected.Get("text_input_ids"), mask = expected.Get("text_attention_mask");

  auto v32 = fp32->vision->Forward(pixels, false);
  auto vlow = low->vision->Forward(pixels, false);
  auto t32 = fp32->text->Forward(ids, mask);
  auto tlow = low->text->Forward(ids, mask);
  ASSERT_TRUE(v32.ok() && vlow.ok() && t32.ok() && tlow.ok())
      << vlow.status().ToString() << " " << tlow.status().ToString();
  const std::string tag = model + " " + reduced.ToString();
  Report(tag + " image_embeds", Compare(vlow->image_embeds, v32->image_embeds));
  Report(tag + " text_embeds", Compare(tlow->text_embeds, t32->text_embeds));
  auto cosines = [](const at::Tensor& image, const at::Tensor& text) {
    return at::mm(test::Normalize(image.to(at::kCPU, at::kFloat)),
                  test::Normalize(text.to(at::kCPU, at::kFloat)).t());
  };
  at::Tensor l32 = cosines(v32->image_embeds, t32->text_embeds);
  at::Tensor llow = cosines(vlow->image_embeds, tlow->text_embeds);
  std::printf("[ deviation] %-44s max abs %.3g (cosine units)\n",
              (tag + " image-text cosine").c_str(), (llow - l32).abs().max().item<double>());
}

class ClipReducedPrecisionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClipReducedPrecisionTest, Bfloat16OnCpu) {
  torchutil::Placement p = test::TestFp32();
  p.device = at::kCPU;
  p.dtype = at::kBFloat16;
  MeasureDeviation(GetParam(), p);
}

TEST_P(ClipReducedPrecisionTest, Float16OnCuda) {
  if (!torchutil::CudaAvailable()) GTEST_SKIP() << "no CUDA device";
  torchutil::Placement p;
  p.device = at::Device(at::kCUDA, 0);
  p.dtype = at::kHalf;
  MeasureDeviation(GetParam(), p);
}

TEST_P(ClipReducedPrecisionTest, Float32OnCudaMatchesReference) {
  if (!torchutil::CudaAvailable()) GTEST_SKIP() << "no CUDA device";
  torchutil::Placement p;
  p.device = at::Device(at::kCUDA, 0);
  auto parts = LoadClipModel(test::ModelDir(GetParam()), p, true, true);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  test::TensorFile expected = test::Expected(GetParam());
  auto v = parts->vision->Forward(test::PixelValues().Get("pixel_values"), false);
  auto t =
      parts->text->Forward(expected.Get("text_input_ids"), expected.Get("text_attention_mask"));
  ASSERT_TRUE(v.ok() && t.ok());
  EXPECT_TRUE(test::AllClose(v->image_embeds, expected.Get("image_embeds"), 1e-4, 1e-4));
  EXPECT_TRUE(test::AllClose(t->text_embeds, expected.Get("text_embeds"), 1e-4, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ClipReducedPrecisionTest, test::ClipModels(),
                         test::ModelTestName);

}  // namespace
}  // namespace photoidx::models::clip
