#include "core/search/search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "tests/testutil.h"

namespace photoidx::search {
namespace {

std::string Sha(int i) { return std::string(63, '0') + char('a' + i); }

std::vector<std::string> Paths(const std::vector<SearchHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.path);
  return out;
}

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

// The mmapped vector file holds every stored embedding, present or not;
// search must give exactly what reading the index gives, for every filter,
// and also after a file went missing without any embedding changing.
TEST_F(SearchTest, VectorFileGivesTheSameResultsAsTheIndex) {
  test::ScopedTempDir dir;
  const std::string path = dir.Join("index.db.vectors");
  ASSERT_TRUE(index::WriteVectorFile(*store_, "clip-fp", path).ok());
  ASSERT_TRUE(store_->Begin().ok());
  ASSERT_TRUE(store_->MarkMissing({"/lib/a/p1.jpg"}).ok());
  ASSERT_TRUE(store_->Commit().ok());
  auto vectors = index::OpenCurrentVectorFile(*store_, "clip-fp", path);
  ASSERT_NE(vectors, nullptr) << "presence changes keep the file current";
  auto same = [&](const SearchOptions& o, const std::vector<float>& q) {
    auto a = SearchByEmbedding(*store_, "clip-fp", q, o);
    auto b = SearchByEmbedding(*store_, "clip-fp", q, o, vectors.get());
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(Paths(*a), Paths(*b));
    for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ(*(*a)[i].score, *(*b)[i].score);
  };
  same(options_, {1.f, 0.f});
  options_.top_k = 2;
  same(options_, {0.f, 1.f});
  options_.min_score = 0.5f;
  same(options_, {1.f, 0.f});
  options_.min_score.reset();
  options_.folder = "/lib/b";
  same(options_, {1.f, 0.f});
  options_.folder.clear();
  options_.caption_words = "dog";
  same(options_, {0.f, 1.f});
}

// When the best-scoring contents have no present file, the ranking window
// widens until top_k present photos are found.
TEST(SearchWindowTest, WidensPastContentsWithNoPresentFile) {
  auto store = index::IndexStore::Open(":memory:", {});
  ASSERT_TRUE(store.ok());
  index::IndexStore& s = **store;
  ASSERT_TRUE(s.RegisterModel("m", "clip", "clip", 1).ok());
  ASSERT_TRUE(s.Begin().ok());
  std::vector<std::string> gone;
  for (int i = 0; i < 200; ++i) {
    char sha[65];
    std::snprintf(sha, sizeof sha, "%064x", i);
    const std::string path = "/p" + std::to_string(i);
    ASSERT_TRUE(s.UpsertFile({.path = path, .size = 1, .mtime_ns = 1, .sha256 = sha}).ok());
    image::Metadata m;
    m.format = image::Format::kJpeg;
    ASSERT_TRUE(s.PutContent(sha, 1, m).ok());
    const float v = float(i);  // higher i scores higher
    ASSERT_TRUE(s.PutEmbedding(sha, "m", &v, 1).ok());
    if (i >= 50) gone.push_back(path);  // the best 150 are missing
  }
  ASSERT_TRUE(s.MarkMissing(gone).ok());
  ASSERT_TRUE(s.Commit().ok());
  test::ScopedTempDir dir;
  ASSERT_TRUE(index::WriteVectorFile(s, "m", dir.Join("v")).ok());
  auto vectors = index::OpenCurrentVectorFile(s, "m", dir.Join("v"));
  ASSERT_NE(vectors, nullptr);
  SearchOptions o;
  o.top_k = 3;
  auto plain = SearchByEmbedding(s, "m", {1.f}, o);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(Paths(*plain), (std::vector<std::string>{"/p49", "/p48", "/p47"}));
  auto hits = SearchByEmbedding(s, "m", {1.f}, o, vectors.get());
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(Paths(*hits), (std::vector<std::string>{"/p49", "/p48", "/p47"}));
}

TEST_F(SearchTest, DimensionMismatchIsAnError) {
  EXPECT_FALSE(SearchByEmbedding(*store_, "clip-fp", {1.f, 0.f, 0.f}, options_).ok());
}

}  // namespace
}  // namespace photoidx::search
