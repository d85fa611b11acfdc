// Parity of the CLIP towers with transformers 4.40.2 (float32, CPU) on the
// two shared tiny checkpoints: clip-tiny-quickgelu (float32 storage,
// quick_gelu, legacy eos pooling) and clip-tiny-gelu-fp16 (float16
// storage, erf gelu, diff-style config, new eos pooling). Inputs are the
// reference pixel_values and input_ids, so only the towers are under test.
// Tolerances from fixtures/README.md: embeddings and hidden states atol
// 1e-4 (rtol 1e-4), logits atol 2e-3.
#include <gtest/gtest.h>

#include <string>

#include "core/models/clip/clip_loader.h"
#include "tests/core/models/clip/clip_test_util.h"

namespace photoidx::models::clip {
namespace {

using test::AllClose;
using test::Expected;
using test::Normalize;

constexpr double kAtol = 1e-4, kRtol = 1e-4, kLogitsAtol = 2e-3;

class ClipParityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    auto parts = LoadClipModel(test::ModelDir(GetParam()), test::TestFp32(), true, true);
    ASSERT_TRUE(parts.ok()) << parts.status().ToString();
    parts_ = std::move(*parts);
    pixels_ = test::PixelValues().Get("pixel_values");
  }

  ClipVisionOutput Vision(const at::Tensor& pixels, bool states = false) {
    auto out = parts_.vision->Forward(pixels, states);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : ClipVisionOutput{};
  }
  ClipTextOutput Text(const at::Tensor& ids, const at::Tensor& mask,
                      ClipTextForwardOptions options = {}) {
    auto out = parts_.text->Forward(ids, mask, options);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : ClipTextOutput{};
  }

  ClipModelParts parts_;
  at::Tensor pixels_;
};

TEST_P(ClipParityTest, VisionHiddenStatesOfImage0) {
  at::Tensor want = Expected(GetParam()).Get("debug.vision_hidden_states_image0");
  ClipVisionOutput out = Vision(pixels_.narrow(0, 0, 1), /*states=*/true);
  ASSERT_EQ(static_cast<int64_t>(out.hidden_states.size()), want.size(0));
  for (size_t i = 0; i < out.hidden_states.size(); ++i) {
    EXPECT_TRUE(AllClose(out.hidden_states[i][0], want[i], kAtol, kRtol)) << "state " << i;
  }
}

TEST_P(ClipParityTest, VisionOutputsOfAllImages) {
  test::TensorFile expected = Expected(GetParam());
  ClipVisionOutput out = Vision(pixels_);
  EXPECT_TRUE(
      AllClose(out.last_hidden_state, expected.Get("vision_last_hidden_state"), kAtol, kRtol));
  EXPECT_TRUE(AllClose(out.pooled, expected.Get("vision_pooler_output"), kAtol, kRtol));
  EXPECT_TRUE(AllClose(out.image_embeds, expected.Get("image_embeds"), kAtol, kRtol));
  EXPECT_TRUE(
      AllClose(Normalize(out.image_embeds), expected.Get("image_embeds_normalized"), kAtol, kRtol));
}

TEST_P(ClipParityTest, VisionSingleEqualsBatched) {
  at::Tensor batched = Vision(pixels_).image_embeds;
  for (int64_t i = 0; i < pixels_.size(0); ++i) {
    at::Tensor single = Vision(pixels_.narrow(0, i, 1)).image_embeds;
    EXPECT_TRUE(AllClose(single[0], batched[i], 1e-5)) << "image " << i;
  }
}

TEST_P(ClipParityTest, TextHiddenStatesOfQuery0) {
  test::TensorFile expected = Expected(GetParam());
  at::Tensor ids = expected.Get("text_input_ids").narrow(0, 0, 1);
  at::Tensor mask = expected.Get("text_attention_mask").narrow(0, 0, 1);
  ClipTextOutput out = Text(ids, mask, {.full_length = true, .hidden_states = true});
  at::Tensor want = expected.Get("debug.text_hidden_states_query0");
  ASSERT_EQ(static_cast<int64_t>(out.hidden_states.size()), want.size(0));
  for (size_t i = 0; i < out.hidden_states.size(); ++i) {
    EXPECT_TRUE(AllClose(out.hidden_states[i][0], want[i], kAtol, kRtol)) << "state " << i;
  }
  EXPECT_TRUE(AllClose(out.last_hidden_state[0],
                       expected.Get("debug.text_last_hidden_state_query0"), kAtol, kRtol));
}

TEST_P(ClipParityTest, TextOutputsOfAllQueries) {
  test::TensorFile expected = Expected(GetParam());
  ClipTextOutput out = Text(expected.Get("text_input_ids"), expected.Get("text_attention_mask"));
  EXPECT_TRUE(at::equal(out.eos_index, expected.Get("text_eos_index")));
  EXPECT_TRUE(AllClose(out.pooled, expected.Get("text_pooler_output"), kAtol, kRtol));
  EXPECT_TRUE(AllClose(out.text_embeds, expected.Get("text_embeds"), kAtol, kRtol));
  EXPECT_TRUE(
      AllClose(Normalize(out.text_embeds), expected.Get("text_embeds_normalized"), kAtol, kRtol));
}

// Stopping at the last eos, full length, and no attention mask all pool
// the same row (the causal mask hides everything after eos).
TEST_P(ClipParityTest, TextTruncationAndMaskDoNotChangeEmbeddings) {
  test::TensorFile expected = Expected(GetParam());
  at::Tensor ids = expected.Get("text_input_ids"), mask = expected.Get("text_attention_mask");
  at::Tensor fast = Text(ids, mask).text_embeds;
  // Query 38 fills all 77 positions; the others stop at their eos.
  EXPECT_EQ(Text(ids.narrow(0, 0, 38), mask.narrow(0, 0, 38)).last_hidden_state.size(1),
            expected.Get("text_eos_index").narrow(0, 0, 38).max().item<int64_t>() + 1);
  EXPECT_TRUE(AllClose(Text(ids, mask, {.full_length = true}).text_embeds, fast, 1e-5));
  EXPECT_TRUE(AllClose(Text(ids, at::Tensor()).text_embeds, fast, 1e-5));
}

TEST_P(ClipParityTest, TextSingleEqualsBatched) {
  test::TensorFile expected = Expected(GetParam());
  at::Tensor ids = expected.Get("text_input_ids"), mask = expected.Get("text_attention_mask");
  at::Tensor batched = Text(ids, mask).text_embeds;
  for (int64_t i = 0; i < ids.size(0); ++i) {
    at::Tensor single = Text(ids.narrow(0, i, 1), mask.narrow(0, i, 1)).text_embeds;
    EXPECT_TRUE(AllClose(single[0], batched[i], 1e-5)) << "query " << i;
  }
}

TEST_P(ClipParityTest, LogitsPerImage) {
  test::TensorFile expected = Expected(GetParam());
  EXPECT_FLOAT_EQ(parts_.logit_scale, expected.Get("logit_scale").item<float>());
  at::Tensor img = Normalize(Vision(pixels_).image_embeds);
  at::Tensor txt = Normalize(
      Text(expected.Get("text_input_ids"), expected.Get("text_attention_mask")).text_embeds);
  at::Tensor logits = std::exp(parts_.logit_scale) * at::mm(img, txt.t());
  EXPECT_TRUE(AllClose(logits, expected.Get("logits_per_image"), kLogitsAtol));
  EXPECT_TRUE(AllClose(logits.t(), expected.Get("logits_per_text"), kLogitsAtol));
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ClipParityTest, test::ClipModels(), test::ModelTestName);

}  // namespace
}  // namespace photoidx::models::clip
