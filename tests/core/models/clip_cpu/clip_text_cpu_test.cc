// The torch-free CLIP text tower against the transformers reference outputs
// of the two shared tiny checkpoints (tests/data/reference/<model>.expected.*,
// atol 1e-4 as ../shared/fixtures/README.md says): tokens, eos pooling,
// pooled output, normalised text embeddings, truncation at 77, batched ==
// single. The broken-folder cases are in clip_text_cpu_errors_test.cc.
#include "core/models/clip_cpu/clip_text_cpu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/models/hf/safetensors.h"
#include "tests/testutil.h"

namespace photoidx::models::clip_cpu {
namespace {

constexpr double kAtol = 1e-4;

std::string ModelDir(const std::string& model) {
  return photoidx::test::DataPath("models/" + model);
}

nlohmann::json ExpectedJson(const std::string& model) {
  std::ifstream in(photoidx::test::DataPath("reference/" + model + ".expected.json"));
  return nlohmann::json::parse(in);
}

// One tensor of <model>.expected.safetensors as float32 (or int64 values
// widened to float), with its shape.
struct Expected {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

Expected ExpectedTensor(const std::string& model, const std::string& name) {
  Expected e;
  auto file = hf::SafeTensors::Open(
      photoidx::test::DataPath("reference/" + model + ".expected.safetensors"));
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  if (!file.ok()) return e;
  const hf::TensorView* t = (*file)->Find(name);
  EXPECT_NE(t, nullptr) << name;
  if (t == nullptr) return e;
  e.shape = t->shape;
  e.values.resize(static_cast<size_t>(t->numel()));
  if (t->dtype == hf::DType::kI64) {
    for (size_t i = 0; i < e.values.size(); ++i) {
      int64_t v = 0;
      std::memcpy(&v, t->data + i * 8, 8);
      e.values[i] = static_cast<float>(v);
    }
  } else {
    EXPECT_OK(hf::CopyToFloat32(*t, e.values.data()));
  }
  return e;
}

// max |a - b| over n floats.
double MaxAbsDiff(const float* a, const float* b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
  return m;
}

std::unique_ptr<ClipTextCpu> LoadOrDie(const std::string& model, int threads = 0) {
  auto tower = ClipTextCpu::Load(ModelDir(model), ModelInfo{.name = model, .fingerprint = "", .dim = 0}, threads);
  EXPECT_TRUE(tower.ok()) << tower.status().ToString();
  return tower.ok() ? std::move(*tower) : nullptr;
}

std::vector<std::string> QueryTexts(const nlohmann::json& expected) {
  std::vector<std::string> texts;
  for (const auto& q : expected["queries"]) texts.push_back(q["text"].get<std::string>());
  return texts;
}

class ClipTextCpuTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClipTextCpuTest, InfoAndConfig) {
  auto tower = LoadOrDie(GetParam(), 1);
  ASSERT_NE(tower, nullptr);
  EXPECT_EQ(tower->info().name, GetParam());
  EXPECT_EQ(tower->info().dim, static_cast<int>(tower->config().projection_dim));
  EXPECT_EQ(tower->threads(), 1);
}

TEST_P(ClipTextCpuTest, TokensAndEosIndexOfAllQueries) {
  auto tower = LoadOrDie(GetParam());
  ASSERT_NE(tower, nullptr);
  const nlohmann::json expected = ExpectedJson(GetParam());
  const Expected eos = ExpectedTensor(GetParam(), "text_eos_index");
  ASSERT_EQ(eos.values.size(), expected["queries"].size());
  for (size_t i = 0; i < expected["queries"].size(); ++i) {
    const auto& q = expected["queries"][i];
    std::vector<int64_t> ids = tower->Tokenize(q["text"].get<std::string>());
    EXPECT_EQ(ids, q["input_ids"].get<std::vector<int64_t>>()) << q["text"];
    EXPECT_EQ(tower->EosIndex(ids), static_cast<int64_t>(eos.values[i])) << q["text"];
  }
}

TEST_P(ClipTextCpuTest, PooledOutputMatchesReference) {
  auto tower = LoadOrDie(GetParam());
  ASSERT_NE(tower, nullptr);
  const std::vector<std::string> texts = QueryTexts(ExpectedJson(GetParam()));
  const Expected pooled = ExpectedTensor(GetParam(), "text_pooler_output");
  const int64_t h = tower->config().text.hidden_size;
  ASSERT_EQ(pooled.shape, (std::vector<int64_t>{static_cast<int64_t>(texts.size()), h}));
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<float> got;
    ASSERT_OK(tower->Forward(tower->Tokenize(texts[i]), &got, nullptr));
    ASSERT_EQ(got.size(), static_cast<size_t>(h));
    EXPECT_LE(MaxAbsDiff(got.data(), pooled.values.data() + i * h, h), kAtol) << texts[i];
  }
}

TEST_P(ClipTextCpuTest, NormalizedEmbeddingsMatchReferenceBatchedAndSingle) {
  auto tower = LoadOrDie(GetParam());
  ASSERT_NE(tower, nullptr);
  const std::vector<std::string> texts = QueryTexts(ExpectedJson(GetParam()));
  const Expected want = ExpectedTensor(GetParam(), "text_embeds_normalized");
  const size_t dim = static_cast<size_t>(tower->info().dim);
  ASSERT_EQ(want.values.size(), texts.size() * dim);
  auto batched = tower->EmbedTexts(texts);
  ASSERT_TRUE(batched.ok()) << batched.status().ToString();
  ASSERT_EQ(batched->size(), texts.size() * dim);
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_LE(MaxAbsDiff(batched->data() + i * dim, want.values.data() + i * dim, dim), kAtol)
        << texts[i];
    double norm = 0;
    for (size_t j = 0; j < dim; ++j) norm += double((*batched)[i * dim + j]) * (*batched)[i * dim + j];
    EXPECT_NEAR(norm, 1.0, 1e-5) << texts[i];
  }
  // One text at a time gives the same rows (bit for bit: same code path).
  for (size_t i = 0; i < texts.size(); i += 5) {
    auto single = tower->EmbedTexts(std::span(&texts[i], 1));
    ASSERT_TRUE(single.ok()) << single.status().ToString();
    ASSERT_EQ(single->size(), dim);
    EXPECT_EQ(MaxAbsDiff(single->data(), batched->data() + i * dim, dim), 0.0) << texts[i];
  }
}

TEST_P(ClipTextCpuTest, LongTextIsTruncatedAt77Tokens) {
  auto tower = LoadOrDie(GetParam());
  ASSERT_NE(tower, nullptr);
  const nlohmann::json expected = ExpectedJson(GetParam());
  const Expected want = ExpectedTensor(GetParam(), "text_embeds_normalized");
  const size_t dim = static_cast<size_t>(tower->info().dim);
  bool found = false;
  for (size_t i = 0; i < expected["queries"].size(); ++i) {
    const auto& q = expected["queries"][i];
    if (!q["truncated"].get<bool>()) continue;
    found = true;
    const std::string text = q["text"].get<std::string>();
    EXPECT_GT(tower->tokenizer().Encode(text).size(), 77u);
    std::vector<int64_t> ids = tower->Tokenize(text);
    ASSERT_EQ(ids.size(), 77u);
    auto got = tower->EmbedTexts(std::span(&text, 1));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_LE(MaxAbsDiff(got->data(), want.values.data() + i * dim, dim), kAtol);
  }
  EXPECT_TRUE(found) << "the reference has no truncated query";
}

TEST_P(ClipTextCpuTest, ThreadCountDoesNotChangeResults) {
  const std::vector<std::string> texts = {"a photo of a dog on the beach"};
  auto one = LoadOrDie(GetParam(), 1);
  ASSERT_NE(one, nullptr);
  auto a = one->EmbedTexts(texts);
  auto two = LoadOrDie(GetParam(), 2);
  ASSERT_NE(two, nullptr);
  auto b = two->EmbedTexts(texts);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LE(MaxAbsDiff(a->data(), b->data(), a->size()), 1e-6);
}

TEST_P(ClipTextCpuTest, BadIdsAreInvalidArgument) {
  auto tower = LoadOrDie(GetParam());
  ASSERT_NE(tower, nullptr);
  std::vector<float> out;
  EXPECT_TRUE(tower->Forward({}, nullptr, &out).IsInvalidArgument());
  std::vector<int64_t> outside = {49406, 49408, 49407};
  Status st = tower->Forward(outside, nullptr, &out);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.ToString().find("49408"), std::string::npos) << st.ToString();
  std::vector<int64_t> too_long(78, 320);
  EXPECT_TRUE(tower->Forward(too_long, nullptr, &out).IsInvalidArgument());
  auto empty = tower->EmbedTexts({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ClipTextCpuTest,
                         photoidx::test::ClipModels(),
                         photoidx::test::ModelTestName);

// The pooling rule itself, on sequences where the two rules disagree.
TEST(ClipTextCpuEosTest, LegacyConfigPoolsAtArgmaxOthersAtFirstEos) {
  auto legacy = LoadOrDie("clip-tiny-quickgelu");  // eos_token_id 2
  auto modern = LoadOrDie("clip-tiny-gelu-fp16");  // eos_token_id 49407
  ASSERT_NE(legacy, nullptr);
  ASSERT_NE(modern, nullptr);
  ASSERT_TRUE(legacy->config().text.legacy_eos_pooling());
  ASSERT_FALSE(modern->config().text.legacy_eos_pooling());
  const std::vector<int64_t> ids = {49406, 2, 320, 49407, 49407, 5};
  EXPECT_EQ(legacy->EosIndex(ids), 3);  // the first maximum, not the id 2
  EXPECT_EQ(modern->EosIndex(ids), 3);  // the first 49407
  const std::vector<int64_t> early_eos = {49406, 49407, 320, 49407};
  EXPECT_EQ(modern->EosIndex(early_eos), 1);
  const std::vector<int64_t> no_eos = {49406, 320, 400};
  EXPECT_EQ(modern->EosIndex(no_eos), 0);   // as transformers: argmax of all-false
  EXPECT_EQ(legacy->EosIndex(no_eos), 0);   // 49406 is the maximum
  const std::vector<int64_t> ties = {5, 9, 9, 1};
  EXPECT_EQ(legacy->EosIndex(ties), 1);
}

}  // namespace
}  // namespace photoidx::models::clip_cpu
