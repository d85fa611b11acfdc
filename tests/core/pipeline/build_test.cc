// RunBuild on an in-memory file system and an in-memory index, with fake
// models: the pipeline's contract without libtorch.
#include "core/pipeline/build.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/fs/mem_file_system.h"
#include "tests/testutil.h"

namespace photoidx::pipeline {
namespace {

int g_models_alive = 0;
// The smallest shorter side of any image the fake embedder was given.
int g_min_side_seen = 1 << 30;

class FakeEmbedder final : public models::ImageEmbedder {
 public:
  // Fails any batch larger than max_batch (an out-of-memory stand-in) and any
  // image whose width is poison_width.
  FakeEmbedder(size_t max_batch, int poison_width, int* calls)
      : max_batch_(max_batch), poison_width_(poison_width), calls_(calls) {
    info_ = {"fake-clip", "fp-clip", 4};
    ++g_models_alive;
  }
  ~FakeEmbedder() override { --g_models_alive; }
  const models::ModelInfo& info() const override { return info_; }
  int input_side() const override { return 32; }
  Result<std::vector<float>> EmbedImages(std::span<const image::Image* const> images) override {
    ++*calls_;
    if (images.size() > max_batch_) return Status::OutOfMemory("fake", "batch too large");
    std::vector<float> out;
    for (const image::Image* img : images) {
      g_min_side_seen = std::min({g_min_side_seen, img->width, img->height});
      if (img->width == poison_width_) return Status::Aborted("fake", "poisoned image");
      out.insert(out.end(), {1.f, 0.f, 0.f, 0.f});
    }
    return out;
  }

 private:
  models::ModelInfo info_;
  size_t max_batch_;
  int poison_width_;
  int* calls_;
};

class FakeCaptioner final : public models::Captioner {
 public:
  explicit FakeCaptioner(int side = 64) : side_(side) { info_ = {"fake-blip", "fp-blip", 0}; }
  const models::ModelInfo& info() const override { return info_; }
  int input_side() const override { return side_; }
  Result<std::vector<models::Caption>> CaptionImages(std::span<const image::Image* const> images,
                                                     const models::CaptionOptions&) override {
    std::vector<models::Caption> out;
    for (const image::Image* img : images) {
      out.push_back({"an image " + std::to_string(img->width), {}});
    }
    return out;
  }

 private:
  models::ModelInfo info_;
  int side_;
};

class BuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image::InitImageLibraries();
    jpeg_ = test::ReadFileBytes(test::DataPath("images/jpeg/baseline_420_testorig.jpg"));
    png_ = test::ReadFileBytes(test::DataPath("images/png/pngsuite_basn2c08.png"));
    truncated_ = test::ReadFileBytes(test::DataPath("images/corrupt/jpeg/truncated_progressive.jpg"));
    ASSERT_FALSE(jpeg_.empty());
    ASSERT_FALSE(png_.empty());
    fs_.AddFile("/lib/a.jpg", jpeg_);
    fs_.AddFile("/lib/b.png", png_);
    fs_.AddFile("/lib/sub/broken.jpg", truncated_);
    fs_.AddFile("/lib/notes.txt", "not a photo");
    auto store = index::IndexStore::Open(":memory:", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    options_.roots = {"/lib"};
    options_.threads = 2;
  }

  BuildSummary Build(Status* status = nullptr) {
    BuildSummary s;
    Status st = RunBuild(fs_, *store_, log_, options_, &s);
    if (status != nullptr) {
      *status = st;
    } else {
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    return s;
  }

  void WithModels(size_t max_batch = 100, int poison_width = -1, int caption_side = 64) {
    options_.embed = EmbedStageSpec{"fake-clip", "fp-clip", [=, this]() -> Result<std::unique_ptr<models::ImageEmbedder>> {
      ++embed_loads_;
      return std::unique_ptr<models::ImageEmbedder>(new FakeEmbedder(max_batch, poison_width, &embed_calls_));
    }};
    options_.caption = CaptionStageSpec{"fake-blip", "fp-blip", [=, this]() -> Result<std::unique_ptr<models::Captioner>> {
      ++caption_loads_;
      // One model at a time: CLIP is gone before BLIP loads.
      EXPECT_EQ(g_models_alive, 0);
      return std::unique_ptr<models::Captioner>(new FakeCaptioner(caption_side));
    }, {}};
    options_.release_accelerator_cache = [this] { ++releases_; };
  }

  fs::MemFileSystem fs_;
  std::unique_ptr<index::IndexStore> store_;
  MemLogger log_;
  BuildOptions options_;
  std::vector<uint8_t> jpeg_, png_, truncated_;
  int embed_loads_ = 0, embed_calls_ = 0, caption_loads_ = 0, releases_ = 0;
};

TEST_F(BuildTest, FirstBuildIndexesGoodFilesAndRecordsFailures) {
  BuildSummary s = Build();
  EXPECT_EQ(s.seen, 4);
  EXPECT_EQ(s.new_files, 4);
  EXPECT_EQ(s.decoded, 2);
  EXPECT_EQ(s.ignored, 1);
  EXPECT_EQ(s.failed, 1);
  ASSERT_EQ(s.failures.size(), 1u);
  EXPECT_EQ(s.failures[0].path, "/lib/sub/broken.jpg");
  EXPECT_EQ(s.failures[0].stage, "decode");
  auto failures = store_->LoadFailures();
  ASSERT_TRUE(failures.ok());
  ASSERT_EQ(failures->size(), 1u);
  EXPECT_FALSE((*failures)[0].reason.empty());
  // One stderr line names the path, the stage and the reason.
  int warnings = 0;
  for (const auto& e : log_.entries()) {
    if (e.level == LogLevel::kWarn) {
      ++warnings;
      EXPECT_EQ(e.path, "/lib/sub/broken.jpg");
      EXPECT_EQ(e.stage, "decode");
    }
  }
  EXPECT_EQ(warnings, 1);
}

TEST_F(BuildTest, SecondBuildOpensNothing) {
  WithModels();
  Build();
  const int reads = fs_.reads();
  const int loads = embed_loads_ + caption_loads_;
  BuildSummary s = Build();
  EXPECT_EQ(fs_.reads(), reads);  // not a single file opened
  EXPECT_EQ(s.unchanged, 4);
  EXPECT_EQ(s.hashed, 0);
  EXPECT_EQ(s.failed, 0);  // the known failure is not retried
  EXPECT_EQ(embed_loads_ + caption_loads_, loads);  // no model loaded
  EXPECT_EQ(s.embeddings_reused, 2);
  EXPECT_EQ(s.captions_reused, 2);
}

TEST_F(BuildTest, RenamedAndCopiedPhotosReuseEveryResult) {
  WithModels();
  Build();
  fs_.RenameFile("/lib/a.jpg", "/lib/renamed.jpg");
  fs_.AddFile("/lib/copy_of_b.png", png_);
  const int loads = embed_loads_ + caption_loads_;
  BuildSummary s = Build();
  EXPECT_EQ(s.new_files, 2);
  EXPECT_EQ(s.reused, 2);
  EXPECT_EQ(s.decoded, 0);
  EXPECT_EQ(s.missing, 1);
  EXPECT_EQ(s.embedded, 0);
  EXPECT_EQ(s.captioned, 0);
  EXPECT_EQ(embed_loads_ + caption_loads_, loads);
}

TEST_F(BuildTest, CopiesInOneRunAreDecodedOnce) {
  fs_.AddFile("/lib/a_copy.jpg", jpeg_);
  BuildSummary s = Build();
  EXPECT_EQ(s.decoded, 2);
  EXPECT_EQ(s.reused, 1);
}

TEST_F(BuildTest, ModelsRunOnceEachAndOneAtATime) {
  WithModels();
  BuildSummary s = Build();
  EXPECT_EQ(s.embedded, 2);
  EXPECT_EQ(s.captioned, 2);
  EXPECT_EQ(embed_loads_, 1);
  EXPECT_EQ(caption_loads_, 1);
  EXPECT_EQ(releases_, 2);  // cache released after each model
  EXPECT_EQ(g_models_alive, 0);
  std::vector<std::string> names;
  for (const auto& st : s.stages) names.push_back(st.name);
  EXPECT_EQ(names, (std::vector<std::string>{"scan", "ingest", "embed", "caption"}));
}

TEST_F(BuildTest, FailingBatchIsHalvedAndOnlyBadImagesFail) {
  fs_.AddFile("/lib/c.jpg", std::vector<uint8_t>(jpeg_.begin(), jpeg_.end()));
  fs_.AddFile("/lib/d.png", png_);  // same content as b: one embedding
  // PNG suite images are 32 px wide: poison them; batches above 1 fail.
  WithModels(/*max_batch=*/1, /*poison_width=*/32);
  BuildSummary s = Build();
  EXPECT_EQ(s.embedded, 1);  // the JPEG content (a.jpg and c.jpg share it)
  int embed_failures = 0;
  for (const auto& f : s.failures) embed_failures += f.stage == "embed";
  EXPECT_EQ(embed_failures, 1);  // one PNG content, recorded once
}

// The stage starts decoding before its model loads at the side the spec
// announces; when the loaded model wants another one, it decodes again at
// the model's side (the announced 8 would give the JPEG a 19 px short side).
TEST_F(BuildTest, ModelSideWinsOverTheAnnouncedDecodeSide) {
  for (int i = 0; i < 9; ++i) {  // several batches in flight at once
    std::vector<uint8_t> copy = jpeg_;
    copy.push_back(uint8_t(i));  // distinct contents, same pixels
    fs_.AddFile("/lib/many/" + std::to_string(i) + ".jpg", copy);
  }
  WithModels();
  options_.batch_size = 2;
  options_.embed->decode_side = 8;
  options_.caption->decode_side = 64;  // right: no second decode needed
  g_min_side_seen = 1 << 30;
  BuildSummary s = Build();
  EXPECT_EQ(s.embedded, 11);
  EXPECT_EQ(s.captioned, 11);
  EXPECT_GE(g_min_side_seen, 32);
  EXPECT_EQ(g_models_alive, 0);
}

TEST_F(BuildTest, DeletedFilesAreMarkedMissing) {
  Build();
  fs_.RemoveFile("/lib/b.png");
  BuildSummary s = Build();
  EXPECT_EQ(s.missing, 1);
  auto files = store_->LoadFiles();
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->at("/lib/b.png").state, index::FileState::kMissing);
}

TEST_F(BuildTest, UnreadableFileIsAFailureAndTheRunGoesOn) {
  fs_.FailReads("/lib/b.png");
  BuildSummary s = Build();
  EXPECT_EQ(s.decoded, 1);
  ASSERT_EQ(s.failed, 2);
  bool found = false;
  for (const auto& f : s.failures) found |= f.path == "/lib/b.png" && f.stage == "read";
  EXPECT_TRUE(found);
}

TEST_F(BuildTest, RetryFailedReadsKnownFailuresAgain) {
  Build();
  options_.plan.retry_failed = true;
  BuildSummary s = Build();
  EXPECT_EQ(s.changed, 1);
  EXPECT_EQ(s.failed, 1);
}

TEST_F(BuildTest, MaxFailuresAborts) {
  fs_.AddFile("/lib/sub/broken2.jpg", std::vector<uint8_t>(truncated_.begin(), truncated_.end() - 100));
  options_.max_failures = 1;
  Status st;
  BuildSummary s = Build(&st);
  EXPECT_EQ(st.code(), Status::Code::kAborted);
  EXPECT_EQ(s.failed, 2);
}

TEST_F(BuildTest, SummaryJsonHasCountsAndFailures) {
  fs_.AddFile(std::string("/lib/bad\xff\xfename.jpg"), truncated_);
  BuildSummary s = Build();
  const std::string json = SummaryToJson(s);
  EXPECT_NE(json.find("\"counts\":{\"seen\":5"), std::string::npos) << json;
  EXPECT_NE(json.find("\"path_b64\":"), std::string::npos);
  EXPECT_NE(json.find("\"stage\":\"decode\""), std::string::npos);
}

// The ingest only validates, with the cheapest decode a file offers: for
// this iPhone HEIC its 240x320 thumbnail (a full decode would cost 0.4 s).
// So a photo whose full image is broken passes the ingest, with the
// dimensions of its headers, and fails in the first stage that decodes the
// full image, under that stage's name; the stages before it keep its result.
TEST_F(BuildTest, IngestDecodesCheaplyAndABrokenFullImageFailsInTheStageThatNeedsIt) {
  const std::vector<uint8_t> heic =
      test::ReadFileBytes(test::DataPath("images/heic/iphone15pro_exif6_irot270.heic"));
  ASSERT_GT(heic.size(), 520000u);
  std::vector<uint8_t> broken = heic;
  std::fill(broken.begin() + 500000, broken.begin() + 520000, 0);  // primary image tiles
  fs_.AddFile("/lib/good.heic", heic);
  fs_.AddFile("/lib/broken.heic", broken);
  WithModels(100, -1, /*caption_side=*/384);  // above the thumbnail: the full image
  BuildSummary s = Build();

  EXPECT_EQ(s.decoded, 4);  // both HEICs passed the ingest
  EXPECT_EQ(s.embedded, 4);  // the embedder (side 32) is served by the thumbnail
  EXPECT_EQ(s.captioned, 3);
  std::vector<std::pair<std::string, std::string>> failed;
  for (const auto& f : s.failures) failed.push_back({f.path, f.stage});
  EXPECT_EQ(failed, (std::vector<std::pair<std::string, std::string>>{
                        {"/lib/sub/broken.jpg", "decode"}, {"/lib/broken.heic", "caption"}}));
  auto rows = store_->LoadFailures();
  ASSERT_TRUE(rows.ok());
  bool recorded = false;
  for (const auto& r : *rows) recorded |= r.path == "/lib/broken.heic" && r.stage == "caption";
  EXPECT_TRUE(recorded);

  auto files = store_->LoadFiles();
  ASSERT_TRUE(files.ok());
  auto md = store_->GetContent(files->at("/lib/good.heic").sha256);
  ASSERT_TRUE(md.ok() && md->has_value());
  EXPECT_EQ((*md)->width, 3024);  // the photo's, not the thumbnail's
  EXPECT_EQ((*md)->height, 4032);
}

}  // namespace
}  // namespace photoidx::pipeline
