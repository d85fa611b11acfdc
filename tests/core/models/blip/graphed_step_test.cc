// The static-shape decoder step (BlipTextDecoder::StepAt) that CUDA graphs
// record, and generate() with graphs against generate() without them.
// StepAt runs on any device; the graph tests need PHOTOIDX_TEST_DEVICE=cuda
// on a CUDA build and skip elsewhere.
#include <vector>

#include <gtest/gtest.h>

#include "core/models/blip/graphed_step.h"
#include "tests/core/models/blip/blip_test_util.h"

namespace photoidx::models::blip {
namespace {

using test::MaxAbsDiff;

class GraphedStepTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = test::LoadTinyFp32().release();
    if (model_ != nullptr) {
      auto states = model_->EncodeImages(test::ReferencePixelValues());
      EXPECT_TRUE(states.ok()) << states.status().ToString();
      if (states.ok()) states_ = new at::Tensor(*states);
    }
  }
  static void TearDownTestSuite() {
    delete model_;
    delete states_;
    model_ = nullptr;
    states_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(model_, nullptr);
    ASSERT_NE(states_, nullptr);
  }
  static at::Tensor Ids(const std::vector<int64_t>& ids, int64_t rows) {
    return at::tensor(ids, at::TensorOptions().dtype(at::kLong))
        .view({1, -1})
        .expand({rows, -1})
        .contiguous()
        .to(model_->device());
  }

  static BlipGenerator* model_;
  static at::Tensor* states_;
};
BlipGenerator* GraphedStepTest::model_ = nullptr;
at::Tensor* GraphedStepTest::states_ = nullptr;

// Two rows per image (like beams): the prompt, then one token at position 4
// through Step in one cache and through StepAt in another.
TEST_F(GraphedStepTest, StepAtEqualsStep) {
  const BlipTextDecoder& decoder = model_->decoder();
  BlipImageKV image = decoder.ProjectImage(*states_);
  const int64_t rows = 2 * image.images();
  BlipKVCache eager = decoder.NewCache(rows, 9), fixed = decoder.NewCache(rows, 9);
  const std::vector<int64_t> prompt = {30522, 1037, 3861, 1997};
  decoder.Step(Ids(prompt, rows), image, &eager);
  decoder.Step(Ids(prompt, rows), image, &fixed);
  at::Tensor token = Ids({2158}, rows);
  at::Tensor want = decoder.Step(token, image, &eager);
  at::Tensor position = at::full({1}, 4, at::TensorOptions().dtype(at::kLong))
                            .to(model_->device());
  at::Tensor got = decoder.StepAt(token, position, image, &fixed);
  ASSERT_EQ(got.sizes(), want.sizes());
  EXPECT_LE(MaxAbsDiff(got, want), 1e-5);
  EXPECT_EQ(fixed.length(), 4) << "StepAt leaves the length to its caller";
  // The next position sees the keys/values StepAt wrote.
  at::Tensor token2 = Ids({1999}, rows);
  want = decoder.Step(token2, image, &eager);
  position.fill_(5);
  got = decoder.StepAt(token2, position, image, &fixed);
  EXPECT_LE(MaxAbsDiff(got, want), 1e-5);
}

TEST_F(GraphedStepTest, NoGraphOffCuda) {
  if (model_->device().is_cuda()) GTEST_SKIP() << "CUDA device: graphs are available";
  const BlipTextDecoder& decoder = model_->decoder();
  BlipImageKV image = decoder.ProjectImage(*states_);
  BlipKVCache cache = decoder.NewCache(image.images(), 4);
  decoder.Step(Ids({30522}, image.images()), image, &cache);
  EXPECT_EQ(GraphedStep::Create(decoder, image, &cache, /*reorder=*/false), nullptr);
}

TEST_F(GraphedStepTest, GraphRunEqualsEagerStep) {
  if (!model_->device().is_cuda()) GTEST_SKIP() << "CUDA graphs need a CUDA device";
  const BlipTextDecoder& decoder = model_->decoder();
  BlipImageKV image = decoder.ProjectImage(*states_);
  const int64_t rows = image.images();
  BlipKVCache eager = decoder.NewCache(rows, 6), fixed = decoder.NewCache(rows, 6);
  decoder.Step(Ids({30522}, rows), image, &eager);
  decoder.Step(Ids({30522}, rows), image, &fixed);
  auto graph = GraphedStep::Create(decoder, image, &fixed, /*reorder=*/true);
  ASSERT_NE(graph, nullptr);
  // Step 1: every row runs its own token. Step 2: rows swap pairwise first
  // (the beam reordering), done in place inside the graph.
  std::vector<int64_t> tokens = {1037, 2158, 3861, 1997, 2006, 1996};
  at::Tensor want = decoder.Step(at::tensor(tokens).view({-1, 1}).to(model_->device()), image,
                                 &eager);
  EXPECT_LE(MaxAbsDiff(graph->Run(tokens, 1, {}), want), 1e-5);
  std::vector<int64_t> swap = {1, 0, 3, 2, 5, 4};
  eager.Select(at::tensor(swap).to(model_->device()));
  want = decoder.Step(at::tensor(tokens).view({-1, 1}).to(model_->device()), image, &eager);
  at::Tensor got = graph->Run(tokens, 2, swap);
  // Row r now continues row swap[r] but still attends image r: compare
  // with the same rows of the eager step.
  EXPECT_LE(MaxAbsDiff(got, want), 1e-5);
}

// Every fixture generate mode, batched, with and without graphs.
TEST_F(GraphedStepTest, GenerateWithGraphsEqualsWithout) {
  if (!model_->device().is_cuda()) GTEST_SKIP() << "CUDA graphs need a CUDA device";
  for (int beams : {1, 3}) {
    for (int min_length : {0, 9}) {
      GenerateOptions on{.prompt = {30522}, .num_beams = beams, .min_length = min_length};
      GenerateOptions off = on;
      off.cuda_graphs = false;
      auto a = model_->Generate(*states_, on);
      auto b = model_->Generate(*states_, off);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), b->size());
      for (size_t i = 0; i < a->size(); ++i) {
        EXPECT_EQ((*a)[i].ids, (*b)[i].ids) << "beams " << beams << " image " << i;
        EXPECT_NEAR((*a)[i].score, (*b)[i].score, 1e-5) << "beams " << beams << " image " << i;
      }
    }
  }
}

}  // namespace
}  // namespace photoidx::models::blip
