#include "core/search/dupes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/index/vector_file.h"
#include "tests/testutil.h"

namespace photoidx::search {
namespace {

using index::FileState;
using test::ScopedTempDir;

std::string Sha(char c) { return std::string(63, '0') + c; }

// A unit vector at `degrees` from the x axis in the plane of the first two
// axes of a 4-d space.
std::vector<float> Angle(double degrees) {
  const double a = degrees * M_PI / 180.0;
  return {float(std::cos(a)), float(std::sin(a)), 0.f, 0.f};
}

std::vector<std::vector<std::string>> Paths(const std::vector<DupeGroup>& groups) {
  std::vector<std::vector<std::string>> out;
  for (const auto& g : groups) {
    out.emplace_back();
    for (const auto& f : g.files) out.back().push_back(f.path);
  }
  return out;
}

class DupesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = index::IndexStore::Open(":memory:", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_OK(store_->RegisterModel("clip-fp-1111", "clip-a", "clip", 4));
  }

  void AddFile(const std::string& path, char sha, FileState state = FileState::kPresent) {
    index::FileRow row;
    row.path = path;
    row.size = 10;
    row.mtime_ns = 1;
    row.sha256 = Sha(sha);
    row.state = state;
    ASSERT_OK(store_->UpsertFile(row));
    image::Metadata m;
    m.format = image::Format::kJpeg;
    ASSERT_OK(store_->PutContent(Sha(sha), 10, m));
  }

  void Embed(char sha, const std::vector<float>& v, const char* model = "clip-fp-1111") {
    ASSERT_OK(store_->PutEmbedding(Sha(sha), model, v.data(), int(v.size())));
  }

  // Contents a..e: a and b 10 degrees apart (cos 0.985), c 10 degrees past
  // b (20 from a: cos 0.940), d and e far from everything and from each other.
  void AddChain() {
    Embed('a', Angle(0));
    Embed('b', Angle(10));
    Embed('c', Angle(20));
    Embed('d', Angle(90));
    Embed('e', {0.f, 0.f, 1.f, 0.f});
  }

  std::unique_ptr<index::IndexStore> store_;
};

TEST_F(DupesTest, ExactGroupsOneContentWithSortedPresentPaths) {
  AddFile("/p/z.jpg", 'a');
  AddFile("/p/b.jpg", 'a');
  AddFile("/p/gone.jpg", 'a', FileState::kMissing);
  AddFile("/p/c1.jpg", 'c');
  AddFile("/p/a_copy.jpg", 'c');
  AddFile("/p/single.jpg", 'd');
  AddFile("/p/single_gone.jpg", 'd', FileState::kMissing);  // one present file: no group
  AddFile("/p/failed.jpg", 'd', FileState::kFailed);
  auto groups = FindExactDuplicates(*store_);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  // Ordered by first path: c's group starts with /p/a_copy.jpg.
  EXPECT_EQ(Paths(*groups), (std::vector<std::vector<std::string>>{
                                {"/p/a_copy.jpg", "/p/c1.jpg"}, {"/p/b.jpg", "/p/z.jpg"}}));
  EXPECT_EQ((*groups)[0].kind, DupeKind::kExact);
  EXPECT_EQ((*groups)[0].files[0].sha256, Sha('c'));
  EXPECT_FALSE((*groups)[0].max_score.has_value());
}

TEST_F(DupesTest, NoDuplicatesIsEmptyNotAnError) {
  AddFile("/p/a.jpg", 'a');
  auto groups = FindExactDuplicates(*store_);
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->empty());
}

TEST_F(DupesTest, NearGroupsAreTransitiveAndRespectTheThreshold) {
  for (char c : std::string("abcde")) AddFile(std::string("/p/") + c + ".jpg", c);
  AddFile("/p/a2.jpg", 'a');  // an exact copy of a: in a's near group too
  AddChain();
  const double cos10 = std::cos(10 * M_PI / 180), cos20 = std::cos(20 * M_PI / 180);

  NearOptions o;
  o.threshold = 0.98f;  // a-b and b-c link; a-c (0.940) does not, but joins through b
  auto groups = FindNearDuplicates(*store_, "clip-fp-1111", o);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(Paths(*groups), (std::vector<std::vector<std::string>>{
                                {"/p/a.jpg", "/p/a2.jpg", "/p/b.jpg", "/p/c.jpg"}}));
  const DupeGroup& g = (*groups)[0];
  EXPECT_EQ(g.kind, DupeKind::kNear);
  EXPECT_NEAR(*g.max_score, cos10, 1e-5);
  EXPECT_NEAR(*g.min_score, cos10, 1e-5);
  EXPECT_EQ(g.files[1].sha256, Sha('a'));
  EXPECT_EQ(g.files[2].sha256, Sha('b'));

  o.threshold = 0.93f;  // a-c links now: lowest linking score is cos 20
  groups = FindNearDuplicates(*store_, "clip-fp-1111", o);
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 1u);
  EXPECT_NEAR(*(*groups)[0].min_score, cos20, 1e-5);
  EXPECT_NEAR(*(*groups)[0].max_score, cos10, 1e-5);

  o.threshold = 0.99f;  // nothing is that close
  groups = FindNearDuplicates(*store_, "clip-fp-1111", o);
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->empty());

  // The exact copy alone is an exact group, not a near one.
  auto exact = FindExactDuplicates(*store_);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(Paths(*exact), (std::vector<std::vector<std::string>>{{"/p/a.jpg", "/p/a2.jpg"}}));
}

TEST_F(DupesTest, MissingFilesAreLeftOutAndLinkNothing) {
  AddFile("/p/a.jpg", 'a');
  AddFile("/p/b.jpg", 'b', FileState::kMissing);  // the bridge between a and c
  AddFile("/p/c.jpg", 'c');
  AddFile("/p/d.jpg", 'd');
  AddFile("/p/e.jpg", 'e');
  AddChain();
  Embed('d', Angle(5));  // near a (cos 0.996)
  NearOptions o;
  o.threshold = 0.98f;
  auto from_index = FindNearDuplicates(*store_, "clip-fp-1111", o);
  ASSERT_TRUE(from_index.ok()) << from_index.status().ToString();
  EXPECT_EQ(Paths(*from_index),
            (std::vector<std::vector<std::string>>{{"/p/a.jpg", "/p/d.jpg"}}));

  // The vector file holds b's row too (every stored embedding): same groups.
  ScopedTempDir dir;
  const std::string path = dir.Join("v");
  ASSERT_OK(index::WriteVectorFile(*store_, "clip-fp-1111", path));
  auto vectors = index::OpenCurrentVectorFile(*store_, "clip-fp-1111", path);
  ASSERT_NE(vectors, nullptr);
  ASSERT_EQ(vectors->rows(), 5u);
  auto from_file = FindNearDuplicates(*store_, "clip-fp-1111", o, vectors.get());
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(Paths(*from_file), Paths(*from_index));
  EXPECT_EQ(*(*from_file)[0].min_score, *(*from_index)[0].min_score);
}

TEST_F(DupesTest, VectorFileScoredInPlaceWhenAllPresent) {
  for (char c : std::string("abcde")) AddFile(std::string("/p/") + c + ".jpg", c);
  AddChain();
  ScopedTempDir dir;
  ASSERT_OK(index::WriteVectorFile(*store_, "clip-fp-1111", dir.Join("v")));
  auto vectors = index::OpenCurrentVectorFile(*store_, "clip-fp-1111", dir.Join("v"));
  ASSERT_NE(vectors, nullptr);
  NearOptions o;
  o.threshold = 0.98f;
  auto groups = FindNearDuplicates(*store_, "clip-fp-1111", o, vectors.get());
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(Paths(*groups),
            (std::vector<std::vector<std::string>>{{"/p/a.jpg", "/p/b.jpg", "/p/c.jpg"}}));
}

TEST_F(DupesTest, ModelMixingIsRefused) {
  ASSERT_OK(store_->RegisterModel("clip-fp-2222", "clip-b", "clip", 4));
  ASSERT_OK(store_->RegisterModel("blip-fp", "blip-a", "blip", 0));
  // Two CLIP models and no choice: never compare across them.
  auto none = PickModel(*store_, "clip", "");
  EXPECT_TRUE(none.status().IsInvalidArgument()) << none.status().ToString();
  EXPECT_NE(none.status().message().find("clip-b"), std::string::npos);
  auto by_name = PickModel(*store_, "clip", "clip-b");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(by_name->fingerprint, "clip-fp-2222");
  auto by_prefix = PickModel(*store_, "clip", "clip-fp-1");
  ASSERT_TRUE(by_prefix.ok());
  EXPECT_EQ(by_prefix->fingerprint, "clip-fp-1111");
  EXPECT_TRUE(PickModel(*store_, "clip", "clip-fp-").status().IsInvalidArgument());  // 2 match
  EXPECT_TRUE(PickModel(*store_, "clip", "blip-a").status().IsNotFound());  // wrong kind
  EXPECT_TRUE(PickModel(*store_, "blip", "").ok());

  // A vector file of one model never stands in for another.
  AddFile("/p/a.jpg", 'a');
  Embed('a', Angle(0));
  ScopedTempDir dir;
  ASSERT_OK(index::WriteVectorFile(*store_, "clip-fp-1111", dir.Join("v")));
  auto vectors = index::OpenCurrentVectorFile(*store_, "clip-fp-1111", dir.Join("v"));
  ASSERT_NE(vectors, nullptr);
  auto mixed = FindNearDuplicates(*store_, "clip-fp-2222", NearOptions{}, vectors.get());
  EXPECT_TRUE(mixed.status().IsInvalidArgument()) << mixed.status().ToString();
}

TEST_F(DupesTest, NoEmbeddingsIsNotFound) {
  AddFile("/p/a.jpg", 'a');
  auto empty = PickModel(*store_, "blip", "");
  EXPECT_TRUE(empty.status().IsNotFound());
  auto groups = FindNearDuplicates(*store_, "clip-fp-1111", NearOptions{});
  EXPECT_TRUE(groups.status().IsNotFound()) << groups.status().ToString();
  EXPECT_TRUE(FindNearDuplicates(*store_, "unknown", NearOptions{}).status().IsNotFound());
}

// Planted clusters in 32-d: members are a random base plus small noise
// (cosine > 0.99 to each other), bases are nearly orthogonal (|cos| < 0.8
// with overwhelming probability at this width, checked below), rows are
// scaled arbitrarily (cosine, not dot) and shuffled. Every tile size must
// find exactly the planted clusters.
TEST(ClusterNearTest, BlockedSearchFindsThePlantedClustersAtEveryTileSize) {
  constexpr int kDim = 32;
  const std::vector<int> sizes = {3, 1, 2, 5, 1, 1, 4, 2, 1, 3};
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> scale(0.1f, 10.f);
  std::vector<std::vector<float>> rows;
  std::vector<int> label;
  for (size_t c = 0; c < sizes.size(); ++c) {
    std::vector<float> base(kDim);
    for (float& x : base) x = normal(rng);
    for (int k = 0; k < sizes[c]; ++k) {
      std::vector<float> v(kDim);
      const float s = scale(rng);
      for (int d = 0; d < kDim; ++d) v[d] = s * (base[d] + 0.02f * normal(rng));
      rows.push_back(v);
      label.push_back(int(c));
    }
  }
  rows.push_back(std::vector<float>(kDim, 0.f));  // a zero row links to nothing
  label.push_back(-1);
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<float> data;
  std::vector<int> labels;
  for (size_t i : order) {
    data.insert(data.end(), rows[i].begin(), rows[i].end());
    labels.push_back(label[i]);
  }
  const size_t n = labels.size();
  // Expected: rows grouped by label, clusters of 2+, ordered by first row.
  std::vector<std::vector<size_t>> expected;
  std::vector<int> seen;
  for (size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || sizes[size_t(labels[i])] < 2) continue;
    if (std::find(seen.begin(), seen.end(), labels[i]) != seen.end()) continue;
    seen.push_back(labels[i]);
    expected.emplace_back();
    for (size_t j = i; j < n; ++j) {
      if (labels[j] == labels[i]) expected.back().push_back(j);
    }
  }
  // The construction holds: within-cluster cosines > 0.99, across < 0.8.
  auto cosine = [&](size_t i, size_t j) {
    double dot = 0, ni = 0, nj = 0;
    for (int d = 0; d < kDim; ++d) {
      dot += double(data[i * kDim + d]) * data[j * kDim + d];
      ni += double(data[i * kDim + d]) * data[i * kDim + d];
      nj += double(data[j * kDim + d]) * data[j * kDim + d];
    }
    return ni == 0 || nj == 0 ? 0.0 : dot / std::sqrt(ni * nj);
  };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      if (labels[i] >= 0 && labels[i] == labels[j]) ASSERT_GT(cosine(i, j), 0.99);
      else ASSERT_LT(cosine(i, j), 0.8);
    }
  }
  for (size_t block : {size_t{1}, size_t{3}, size_t{7}, size_t{16}, size_t{1000}}) {
    NearOptions o;
    o.threshold = 0.95f;
    o.block_rows = block;
    std::vector<NearCluster> clusters = ClusterNear(data.data(), n, kDim, o);
    std::vector<std::vector<size_t>> got;
    for (const auto& c : clusters) {
      got.push_back(c.rows);
      EXPECT_GE(c.min_score, 0.95f - 1e-6f);
      EXPECT_LE(c.min_score, c.max_score);
      EXPECT_LE(c.max_score, 1.f);
    }
    EXPECT_EQ(got, expected) << "block_rows " << block;
  }
}

TEST(ClusterNearTest, ThresholdOneLinksIdenticalVectors) {
  const std::vector<float> v = {0.3f, -0.7f, 0.2f, 0.1f, 0.3f, -0.7f, 0.2f, 0.1f,
                                0.1f, 0.9f,  0.f,  0.f};
  NearOptions o;
  o.threshold = 1.f;
  auto clusters = ClusterNear(v.data(), 3, 4, o);
  ASSERT_EQ(clusters.size(), 1u);
  EXPECT_EQ(clusters[0].rows, (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(ClusterNear(v.data(), 1, 4, o).empty());
  EXPECT_TRUE(ClusterNear(v.data(), 3, 0, o).empty());
}

}  // namespace
}  // namespace photoidx::search
