// A text search never loads the model plugin (libtorch): it embeds the query
// with the torch-free text tower (core/models/clip_cpu). Proved by pointing
// PHOTOIDX_MODELS_PLUGIN at a file that does not exist after the build: the
// text search still answers, with the reference ranking and scores of both
// tiny checkpoints, while an image search (which needs the plugin) fails.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/models/hf/safetensors.h"
#include "tests/e2e/e2e_util.h"
#include "tests/testutil.h"

namespace photoidx::test {
namespace {

namespace fsys = std::filesystem;

const auto& kImages = kReferenceImages;

// Sets an environment variable for the commands the test runs; restores
// the old value at scope exit.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (had_) setenv(name_, old_.c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

class TextSearchE2ETest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    lib_ = tmp_.Join("photos");
    CopyReferenceImages(lib_);
    index_ = tmp_.Join("index.db");
    model_ = DataPath("models/" + GetParam());
  }

  ScopedTempDir tmp_;
  std::string lib_, index_, model_;
};

TEST_P(TextSearchE2ETest, TextSearchWithoutThePluginMatchesTheReference) {
  RunResult b = RunPhotoidx("build " + Quote(lib_) + " --index " + Quote(index_) +
                            " --no-captions --device cpu --dtype fp32 --clip-model " + Quote(model_));
  ASSERT_EQ(b.exit_code, 0) << b.err;

  ScopedEnv no_plugin("PHOTOIDX_MODELS_PLUGIN", tmp_.Join("no-such-plugin.so"));
  // Query 0 of the fixtures: "a dog playing in the snow".
  RunResult r = RunPhotoidx("search 'a dog playing in the snow' --json --top-k 6 --index " +
                            Quote(index_) + " --clip-model " + Quote(model_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 6u);

  auto ref = models::hf::SafeTensors::Open(
      DataPath("reference/" + GetParam() + ".expected.safetensors"));
  ASSERT_TRUE(ref.ok()) << ref.status().ToString();
  const auto* logits = (*ref)->Find("logits_per_text");
  const auto* scale = (*ref)->Find("logit_scale");
  ASSERT_NE(logits, nullptr);
  ASSERT_NE(scale, nullptr);
  float logit_scale = 0;
  std::memcpy(&logit_scale, scale->data, sizeof(float));
  std::vector<float> row(6);
  std::memcpy(row.data(), logits->data, sizeof(float) * 6);  // query 0
  std::vector<int> order = {0, 1, 2, 3, 4, 5};
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });
  for (int rank = 0; rank < 6; ++rank) {
    const auto& hit = j["results"][rank];
    const int image = order[rank];
    EXPECT_EQ(fsys::path(hit["path"].get<std::string>()).filename(), kImages[image]) << rank;
    // cosine = logits_per_text / exp(logit_scale).
    EXPECT_NEAR(hit["score"].get<double>(), row[image] / std::exp(double(logit_scale)), 2e-5)
        << rank;
  }

  // The plugin really is unavailable: an image query fails cleanly.
  RunResult img = RunPhotoidx("search --json --top-k 1 --image " + Quote(lib_ + "/wolf_gray.jpg") +
                              " --index " + Quote(index_) + " --clip-model " + Quote(model_));
  EXPECT_NE(img.exit_code, 0);
  EXPECT_NE(img.err.find("no-such-plugin.so"), std::string::npos) << img.err;
}

INSTANTIATE_TEST_SUITE_P(SharedModels, TextSearchE2ETest,
                         photoidx::test::ClipModels(),
                         photoidx::test::ModelTestName);

}  // namespace
}  // namespace photoidx::test
