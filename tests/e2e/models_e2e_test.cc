// The whole product on the tiny checkpoints: `build` (CLIP, then BLIP) on
// the six reference photos, then `search --json`, checked against the
// reference implementation's outputs (tests/data/reference, produced by
// transformers 4.40.2): CLIP scores = logits_per_text / exp(logit_scale),
// the ranking, and the greedy captions.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/models/hf/safetensors.h"
#include "tests/e2e/e2e_util.h"
#include "tests/testutil.h"

namespace photoidx::test {
namespace {

namespace fsys = std::filesystem;

const auto& kImages = kReferenceImages;

class ModelsE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    lib_ = tmp_.Join("photos");
    CopyReferenceImages(lib_);
    index_ = tmp_.Join("index.db");
    models_ = " --clip-model " + Quote(DataPath("models/clip-tiny-quickgelu")) + " --blip-model " +
              Quote(DataPath("models/blip-tiny")) + " --device cpu --dtype fp32";
  }

  nlohmann::json Build() {
    RunResult r = RunPhotoidx("build " + Quote(lib_) + " --index " + Quote(index_) + " --json" + models_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  ScopedTempDir tmp_;
  std::string lib_, index_, models_;
};

TEST_F(ModelsE2ETest, BuildThenSearchMatchesTheReference) {
  nlohmann::json first = Build();
  EXPECT_EQ(first["counts"]["decoded"], 6);
  EXPECT_EQ(first["counts"]["embedded"], 6);
  EXPECT_EQ(first["counts"]["captioned"], 6);
  std::vector<std::string> stages;
  for (const auto& s : first["stages"]) {
    stages.push_back(s["name"]);
    EXPECT_GT(s["peak_rss_bytes"].get<int64_t>(), 0);  // per-stage memory lines
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"scan", "ingest", "embed", "caption"}));

  // Query 0 of the fixtures: "a dog playing in the snow".
  RunResult r = RunPhotoidx("search 'a dog playing in the snow' --json --top-k 6 --dtype fp32 --index " +
                            Quote(index_) + " --clip-model " +
                            Quote(DataPath("models/clip-tiny-quickgelu")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["results"].size(), 6u);

  auto ref = models::hf::SafeTensors::Open(DataPath("reference/clip-tiny-quickgelu.expected.safetensors"));
  ASSERT_TRUE(ref.ok());
  const auto* logits = (*ref)->Find("logits_per_text");
  ASSERT_NE(logits, nullptr);
  std::vector<float> row(6);
  std::memcpy(row.data(), logits->data, sizeof(float) * 6);  // query 0
  std::vector<int> order = {0, 1, 2, 3, 4, 5};
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return row[a] > row[b]; });

  std::ifstream cin_(DataPath("reference/blip-tiny.expected.json"));
  nlohmann::json blip = nlohmann::json::parse(cin_);
  for (int rank = 0; rank < 6; ++rank) {
    const auto& hit = j["results"][rank];
    const int image = order[rank];
    EXPECT_EQ(fsys::path(hit["path"].get<std::string>()).filename(), kImages[image]) << rank;
    // exp(logit_scale) = 100 for this model.
    EXPECT_NEAR(hit["score"].get<double>(), row[image] / 100.0, 2e-5) << rank;
    EXPECT_EQ(hit["caption"], blip["results"]["greedy"]["per_image"][image]["caption"]) << rank;
    EXPECT_EQ(hit["sha256"].get<std::string>().size(), 64u);
    EXPECT_GT(hit["width"].get<int>(), 0);
  }

  // Nothing runs twice: a second build embeds and captions nothing.
  nlohmann::json second = Build();
  EXPECT_EQ(second["counts"]["embedded"], 0);
  EXPECT_EQ(second["counts"]["captioned"], 0);
  EXPECT_EQ(second["counts"]["embeddings_reused"], 6);
  // A renamed copy reuses both caches.
  fsys::copy(lib_ + "/wolf_gray.jpg", lib_ + "/copy of wolf.jpg");
  nlohmann::json third = Build();
  EXPECT_EQ(third["counts"]["new"], 1);
  EXPECT_EQ(third["counts"]["reused"], 1);
  EXPECT_EQ(third["counts"]["embedded"], 0);
  EXPECT_EQ(third["counts"]["captioned"], 0);
}

TEST_F(ModelsE2ETest, SearchOutputsAndExitCodes) {
  // No embeddings yet: exit 4.
  RunResult none = RunPhotoidx("build " + Quote(lib_) + " --index " + Quote(index_) +
                               " --no-embeddings --no-captions");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(RunPhotoidx("search dog --index " + Quote(index_)).exit_code, 4);
  Build();
  RunResult paths = RunPhotoidx("search dog --paths -0 --top-k 3 --index " + Quote(index_));
  ASSERT_EQ(paths.exit_code, 0) << paths.err;
  EXPECT_EQ(std::count(paths.out.begin(), paths.out.end(), '\0'), 3);
  RunResult nd = RunPhotoidx("search dog --ndjson --top-k 2 --index " + Quote(index_));
  ASSERT_EQ(nd.exit_code, 0) << nd.err;
  EXPECT_EQ(std::count(nd.out.begin(), nd.out.end(), '\n'), 2);
  RunResult img = RunPhotoidx("search --json --top-k 1 --dtype fp32 --image " + Quote(lib_ + "/wolf_gray.jpg") +
                              " --index " + Quote(index_));
  ASSERT_EQ(img.exit_code, 0) << img.err;
  nlohmann::json j = nlohmann::json::parse(img.out);
  EXPECT_EQ(fsys::path(j["results"][0]["path"].get<std::string>()).filename(), "wolf_gray.jpg");
  EXPECT_NEAR(j["results"][0]["score"].get<double>(), 1.0, 1e-5);
  // Missing files are never returned.
  fsys::remove(lib_ + "/wolf_gray.jpg");
  Build();
  RunResult after = RunPhotoidx("search dog --paths --top-k 10 --index " + Quote(index_));
  EXPECT_EQ(after.out.find("wolf_gray.jpg"), std::string::npos);
}

TEST_F(ModelsE2ETest, EmbedAndCaptionCommands) {
  RunResult e = RunPhotoidx("embed --dtype fp32 --model " + Quote(DataPath("models/clip-tiny-quickgelu")) +
                            " --text 'a dog playing in the snow' " + Quote(lib_ + "/wolf_gray.jpg") +
                            " " + Quote(tmp_.Join("missing.jpg")));
  EXPECT_EQ(e.exit_code, 1);  // one input failed, the others came out
  std::vector<nlohmann::json> lines;
  std::stringstream ss(e.out);
  for (std::string line; std::getline(ss, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["kind"], "text");
  EXPECT_EQ(lines[0]["dim"], 32);
  EXPECT_EQ(lines[0]["tokens"].size(), 8u);
  EXPECT_EQ(lines[1]["kind"], "image");
  EXPECT_TRUE(lines[2].contains("error"));
  RunResult c = RunPhotoidx("caption --dtype fp32 --model " + Quote(DataPath("models/blip-tiny")) + " " +
                            Quote(lib_ + "/rocket_landscape.jpg"));
  ASSERT_EQ(c.exit_code, 0) << c.err;
  std::ifstream in(DataPath("reference/blip-tiny.expected.json"));
  nlohmann::json blip = nlohmann::json::parse(in);
  nlohmann::json cap = nlohmann::json::parse(c.out);
  EXPECT_EQ(cap["caption"], blip["results"]["greedy"]["per_image"][0]["caption"]);
  EXPECT_EQ(cap["ids"], blip["results"]["greedy"]["per_image"][0]["ids"]);
}

// Files go through the model in batches (decoded in parallel): every caption
// still equals the reference's one-image generate, the objects come out in
// input order, and an unreadable file in the middle of a batch gets its own
// error object at its place.
TEST_F(ModelsE2ETest, CaptionBatchesKeepOrderAndEqualOneAtATime) {
  std::string args;
  for (int i = 0; i < 6; ++i) {
    if (i == 2) args += " " + Quote(tmp_.Join("missing.jpg"));
    args += " " + Quote(lib_ + "/" + kImages[i]);
  }
  std::ifstream in(DataPath("reference/blip-tiny.expected.json"));
  const nlohmann::json blip = nlohmann::json::parse(in);
  for (const char* batch : {"1", "4"}) {
    RunResult r = RunPhotoidx("caption --dtype fp32 --device cpu --batch-size " + std::string(batch) +
                              " --model " + Quote(DataPath("models/blip-tiny")) + args);
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the missing file
    std::vector<nlohmann::json> lines;
    std::stringstream ss(r.out);
    for (std::string line; std::getline(ss, line);) lines.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(lines.size(), 7u) << "batch " << batch;
    for (size_t pos = 0, image = 0; pos < lines.size(); ++pos) {
      if (pos == 2) {
        EXPECT_TRUE(lines[pos].contains("error")) << "batch " << batch;
        EXPECT_EQ(lines[pos]["path"], tmp_.Join("missing.jpg"));
        continue;
      }
      EXPECT_EQ(lines[pos]["path"], lib_ + "/" + kImages[image]) << "batch " << batch;
      EXPECT_EQ(lines[pos]["ids"], blip["results"]["greedy"]["per_image"][image]["ids"])
          << "batch " << batch << " image " << image;
      ++image;
    }
  }
}

TEST_F(ModelsE2ETest, BrokenModelFolderIsExitTwoBeforeWork) {
  const std::string broken = tmp_.Join("broken");
  fsys::create_directories(broken);
  fsys::copy(DataPath("models/clip-tiny-quickgelu/config.json"), broken + "/config.json");
  std::ofstream(broken + "/model.safetensors") << "garbage";
  RunResult r = RunPhotoidx("build " + Quote(lib_) + " --index " + Quote(index_) +
                            " --no-captions --clip-model " + Quote(broken));
  // The weights are checked when the stage loads the model: exit code 2,
  // one message naming the model, nothing embedded.
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("cannot load model"), std::string::npos) << r.err;
  // A model folder that does not exist is refused before any work.
  const std::string fresh = tmp_.Join("fresh.db");
  EXPECT_EQ(RunPhotoidx("build " + Quote(lib_) + " --index " + Quote(fresh) +
                        " --clip-model " + Quote(tmp_.Join("nope"))).exit_code, 2);
  EXPECT_FALSE(fsys::exists(fresh));
}

}  // namespace
}  // namespace photoidx::test
