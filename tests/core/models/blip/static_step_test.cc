// Static decoder steps (static_step.h): BlipTextDecoder::StepAt against
// Step, StaticStep runs (with in-place beam reordering) against eager steps,
// and generate() with static steps against eager ones. They run on every
// device: on the CPU without a graph, on CUDA (PHOTOIDX_TEST_DEVICE=cuda)
// replayed as a CUDA graph.
#include <vector>

#include <gtest/gtest.h>

#include "core/models/blip/static_step.h"
#include "tests/core/models/blip/blip_test_util.h"

namespace photoidx::models::blip {
namespace {

using test::MaxAbsDiff;

class StaticStepTest : public test::TinyBlipTest {
 protected:
  // `ids` repeated for `rows` rows, on the model's device.
  static at::Tensor Ids(const std::vector<int64_t>& ids, int64_t rows) {
    return at::tensor(ids, at::TensorOptions().dtype(at::kLong))
        .view({1, -1})
        .expand({rows, -1})
        .contiguous()
        .to(model_->device());
  }
};

// Two rows per image (like beams): the prompt, then one token at position 4
// through Step in one cache and through StepAt in another.
TEST_F(StaticStepTest, StepAtEqualsStep) {
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

TEST_F(StaticStepTest, CreatedForTheModesThatAskForIt) {
  const BlipTextDecoder& decoder = model_->decoder();
  BlipImageKV image = decoder.ProjectImage(*states_);
  BlipKVCache cache = decoder.NewCache(image.images(), 4);
  decoder.Step(Ids({30522}, image.images()), image, &cache);
  const bool cuda = model_->device().is_cuda();
  EXPECT_EQ(StaticStep::Create(StepMode::kEager, decoder, image, &cache, false), nullptr);
  EXPECT_EQ(StaticStep::Create(StepMode::kAuto, decoder, image, &cache, false) != nullptr, cuda);
  auto step = StaticStep::Create(StepMode::kStatic, decoder, image, &cache, false);
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->graphed(), cuda);
  EXPECT_THROW(step->Run({1037}, 1, {}), c10::Error) << "one token for six rows";
  EXPECT_THROW(step->Run(std::vector<int64_t>(6, 1037), 4, {}), c10::Error)
      << "position 4 in a cache of 4";
}

// Six rows: one token each, then the rows swap pairwise first (the beam
// reordering, done in place inside the step) and run again.
TEST_F(StaticStepTest, RunsEqualEagerSteps) {
  const BlipTextDecoder& decoder = model_->decoder();
  BlipImageKV image = decoder.ProjectImage(*states_);
  const int64_t rows = image.images();
  BlipKVCache eager = decoder.NewCache(rows, 6), fixed = decoder.NewCache(rows, 6);
  decoder.Step(Ids({30522}, rows), image, &eager);
  decoder.Step(Ids({30522}, rows), image, &fixed);
  auto step = StaticStep::Create(StepMode::kStatic, decoder, image, &fixed, /*reorder=*/true);
  ASSERT_NE(step, nullptr);
  const std::vector<int64_t> tokens = {1037, 2158, 3861, 1997, 2006, 1996};
  const at::Tensor token_ids = at::tensor(tokens).view({-1, 1}).to(model_->device());
  at::Tensor want = decoder.Step(token_ids, image, &eager);
  EXPECT_LE(MaxAbsDiff(step->Run(tokens, 1, {}), want), 1e-5);
  const std::vector<int64_t> swap = {1, 0, 3, 2, 5, 4};
  eager.Select(at::tensor(swap).to(model_->device()));
  // Row r continues row swap[r] but still attends image r, in both.
  want = decoder.Step(token_ids, image, &eager);
  EXPECT_LE(MaxAbsDiff(step->Run(tokens, 2, swap), want), 1e-5);
}

// Greedy and beam 3, with and without a minimum length, batched: static
// steps (a graph on CUDA) give the ids of eager steps.
TEST_F(StaticStepTest, GenerateWithStaticStepsEqualsEager) {
  for (int beams : {1, 3}) {
    for (int min_length : {0, 9}) {
      GenerateOptions fixed{.prompt = {30522}, .num_beams = beams, .min_length = min_length};
      fixed.steps = StepMode::kStatic;
      GenerateOptions eager = fixed;
      eager.steps = StepMode::kEager;
      auto a = model_->Generate(*states_, fixed);
      auto b = model_->Generate(*states_, eager);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(a->size(), b->size());
      for (size_t i = 0; i < a->size(); ++i) {
        EXPECT_EQ((*a)[i].ids, (*b)[i].ids) << "beams " << beams << " image " << i;
        EXPECT_NEAR((*a)[i].score, (*b)[i].score, 1e-5) << "beams " << beams << " image " << i;
      }
    }
  }
}

TEST(WorkspacePoolTest, GivesBackTheShapeAskedForAndKeepsTheLatestTwo) {
  WorkspacePool pool;
  const StepWorkspace::Shape a{.rows = 32, .images = 32, .capacity = 20};
  const StepWorkspace::Shape b{.rows = 96, .images = 32, .capacity = 20, .reorder = true};
  const StepWorkspace::Shape c{.rows = 1, .images = 1, .capacity = 20};
  // A workspace that went through a call holds buffers; a new one is empty.
  auto used = [](const std::unique_ptr<StepWorkspace>& w) { return !w->image.key.empty(); };
  std::unique_ptr<StepWorkspace> wa = pool.Take(a);
  ASSERT_NE(wa, nullptr);
  EXPECT_EQ(wa->shape, a);
  EXPECT_FALSE(used(wa));
  wa->image.key.push_back(at::zeros({1}));
  pool.Give(std::move(wa));
  EXPECT_FALSE(used(pool.Take(b))) << "another shape gets another workspace";
  wa = pool.Take(a);
  EXPECT_TRUE(used(wa)) << "the same shape gets the one given back";
  pool.Give(std::move(wa));
  pool.Give(pool.Take(b));
  pool.Give(pool.Take(c));  // three given back: the oldest (a) goes
  EXPECT_FALSE(used(pool.Take(a)));
}

}  // namespace
}  // namespace photoidx::models::blip
