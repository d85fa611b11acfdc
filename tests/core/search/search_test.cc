#include "core/search/search.h"

#include <gtest/gtest.h>

#include <cmath>

namespace photoidx::search {
namespace {

std::string Sha(int i) { return std::string(63, '0') + char('a' + i); }

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = index::IndexStore::Open(":memory:", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_TRUE(store_->RegisterModel("clip-fp", "clip", "clip", 2).ok());
    ASSERT_TRUE(store_->RegisterModel("blip-fp", "blip", "blip", 0).ok());
    ASSERT_TRUE(store_->Begin().ok());
    // Five photos at angles 0..4 * 20 degrees from the x axis.
    const char* dates[] = {"2019-05-01T10:00:00", "2020-01-01T00:00:00", "2021-06-30T12:00:00",
                           "2022-02-02T02:02:02", "2023-03-03T03:03:03"};
    const char* captions[] = {"a dog on the beach", "a cat on a sofa", "a dog in the snow",
                              "sunset over the ocean", "a red car"};
    for (int i = 0; i < 5; ++i) {
      index::FileRow row;
      row.path = (i < 3 ? "/lib/a/p" : "/lib/b/p") + std::to_string(i) + ".jpg";
      row.size = 100;
      row.mtime_ns = 1;
      row.sha256 = Sha(i);
      ASSERT_TRUE(store_->UpsertFile(row).ok());
      image::Metadata m;
      m.format = image::Format::kJpeg;
      m.width = 10;
      m.height = 10;
      m.date_taken = dates[i];
      m.make = i % 2 == 0 ? "Canon" : "Google";
      m.model = i % 2 == 0 ? "EOS 1300D" : "Pixel";
      ASSERT_TRUE(store_->PutContent(Sha(i), 100, m).ok());
      const float a = float(i) * 20.f * 3.14159265f / 180.f;
      const float v[2] = {std::cos(a), std::sin(a)};
      ASSERT_TRUE(store_->PutEmbedding(Sha(i), "clip-fp", v, 2).ok());
      ASSERT_TRUE(store_->PutCaption(Sha(i), "blip-fp", captions[i]).ok());
    }
    ASSERT_TRUE(store_->Commit().ok());
    options_.caption_model = "blip-fp";
  }

  std::vector<std::string> Paths(const std::vector<SearchHit>& hits) {
    std::vector<std::string> out;
    for (const auto& h : hits) out.push_back(h.path);
    return out;
  }

  std::unique_ptr<index::IndexStore> store_;
  SearchOptions options_;
};

TEST(TopKTest, BestFirstStableTies) {
  std::vector<float> s = {0.1f, 0.9f, 0.5f, 0.9f, -1.f};
  EXPECT_EQ(TopK(s, 3), (std::vector<size_t>{1, 3, 2}));
  EXPECT_EQ(TopK(s, 10).size(), 5u);
  EXPECT_TRUE(TopK({}, 3).empty());
}

TEST_F(SearchTest, RanksByCosineAndCarriesEverything) {
  options_.top_k = 3;
  auto hits = SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f}, options_);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ(Paths(*hits), (std::vector<std::string>{"/lib/a/p0.jpg", "/lib/a/p1.jpg", "/lib/a/p2.jpg"}));
  EXPECT_EQ((*hits)[0].rank, 1);
  EXPECT_NEAR(*(*hits)[0].score, 1.0, 1e-6);
  EXPECT_NEAR(*(*hits)[1].score, std::cos(20 * 3.14159265 / 180), 1e-5);
  EXPECT_EQ((*hits)[0].photo.sha256, Sha(0));
  EXPECT_EQ((*hits)[0].photo.caption.value_or(""), "a dog on the beach");
  EXPECT_EQ((*hits)[0].photo.metadata.width, 10);
}

TEST_F(SearchTest, MinScoreFolderDateCameraFilters) {
  options_.min_score = 0.9f;
  auto hits = SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f}, options_);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 2u);  // cos 0 and cos 20; cos 40 = 0.77
  options_.min_score.reset();
  options_.folder = "/lib/b";
  EXPECT_EQ(Paths(*SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f}, options_)),
            (std::vector<std::string>{"/lib/b/p3.jpg", "/lib/b/p4.jpg"}));
  options_.folder.clear();
  options_.date_from = "2020-01-01";
  options_.date_to = "2021-12-31";
  EXPECT_EQ(Paths(*SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f}, options_)),
            (std::vector<std::string>{"/lib/a/p1.jpg", "/lib/a/p2.jpg"}));
  options_.date_from.clear();
  options_.date_to.clear();
  options_.camera = "pixel";
  EXPECT_EQ(Paths(*SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f}, options_)),
            (std::vector<std::string>{"/lib/a/p1.jpg", "/lib/b/p3.jpg"}));
}

TEST_F(SearchTest, CaptionWordsFilterAndRankByClip) {
  options_.caption_words = "dog";
  auto hits = SearchByEmbedding(*store_, "clip-fp", {0.f, 1.f}, options_);
  ASSERT_TRUE(hits.ok());
  // Both dog photos, the one closer to the query direction first.
  EXPECT_EQ(Paths(*hits), (std::vector<std::string>{"/lib/a/p2.jpg", "/lib/a/p0.jpg"}));
  auto words_only = SearchByCaption(*store_, options_);
  ASSERT_TRUE(words_only.ok());
  EXPECT_EQ(words_only->size(), 2u);
  EXPECT_FALSE((*words_only)[0].score.has_value());
}

TEST_F(SearchTest, MissingFilesAreNeverReturned) {
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->MarkMissing({"/lib/a/p0.jpg"}).ok());
  ASSERT_TRUE(store_->Commit().ok());
  auto hits = SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f}, options_);
  ASSERT_TRUE(hits.ok());
  for (const auto& h : *hits) EXPECT_NE(h.path, "/lib/a/p0.jpg");
  EXPECT_EQ(hits->size(), 4u);
}

TEST_F(SearchTest, DimensionMismatchIsAnError) {
  EXPECT_FALSE(SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f, 0.f}, options_).ok());
}

}  // namespace
}  // namespace photoidx::search
