#include "core/index/vector_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testutil.h"

namespace photoidx::index {
namespace {

std::string Sha(int i) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%064x", i * 7919 + 1);
  return buf;
}

class VectorFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = IndexStore::Open(":memory:", {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    ASSERT_OK(store_->RegisterModel("clip-fp", "clip", "clip", 3));
    ASSERT_OK(store_->Begin());
    for (int i = 0; i < 5; ++i) Put(i, i == 4 ? "/gone.jpg" : "/p" + std::to_string(i) + ".jpg");
    ASSERT_OK(store_->MarkMissing({"/gone.jpg"}).status());
    ASSERT_OK(store_->Commit());
    path_ = dir_.Join("index.db.vectors");
  }

  void Put(int i, const std::string& path) {
    FileRow row{.path = path, .size = 1, .mtime_ns = 1, .sha256 = Sha(i)};
    ASSERT_OK(store_->UpsertFile(row));
    const float v[3] = {float(i), float(i) + 0.5f, -float(i)};
    ASSERT_OK(store_->PutEmbedding(Sha(i), "clip-fp", v, 3));
  }

  test::ScopedTempDir dir_;
  std::unique_ptr<IndexStore> store_;
  std::string path_;
};

TEST_F(VectorFileTest, HoldsEveryStoredEmbeddingPresentOrNot) {
  ASSERT_OK(WriteVectorFile(*store_, "clip-fp", path_));
  auto file = VectorFile::Open(path_);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const VectorFile& f = **file;
  EXPECT_EQ(f.model(), "clip-fp");
  EXPECT_EQ(f.dim(), 3);
  ASSERT_EQ(f.rows(), 5u);  // the missing file's content too
  std::vector<std::string> stored;
  std::vector<float> values;
  ASSERT_OK(store_->ScanStoredEmbeddings("clip-fp", [&](std::string_view sha, auto v) {
    stored.emplace_back(sha);
    values.insert(values.end(), v.begin(), v.end());
  }));
  for (size_t i = 0; i < f.rows(); ++i) EXPECT_EQ(f.sha256(i), stored[i]);
  EXPECT_EQ(std::vector<float>(f.data(), f.data() + 15), values);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(f.data()) % 64, 0u);
}

TEST_F(VectorFileTest, CurrentOnlyUntilAnEmbeddingChanges) {
  auto wrote = RefreshVectorFile(*store_, "clip-fp", path_);
  ASSERT_TRUE(wrote.ok() && *wrote);
  EXPECT_NE(OpenCurrentVectorFile(*store_, "clip-fp", path_), nullptr);
  wrote = RefreshVectorFile(*store_, "clip-fp", path_);
  ASSERT_TRUE(wrote.ok());
  EXPECT_FALSE(*wrote) << "a current file is not rewritten";

  const float v[3] = {9, 9, 9};
  ASSERT_OK(store_->PutEmbedding(Sha(1), "clip-fp", v, 3));  // update
  EXPECT_EQ(OpenCurrentVectorFile(*store_, "clip-fp", path_), nullptr);
  ASSERT_TRUE(RefreshVectorFile(*store_, "clip-fp", path_).ok());
  auto f = OpenCurrentVectorFile(*store_, "clip-fp", path_);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->rows(), 5u);

  ASSERT_OK(store_->Begin());
  ASSERT_OK(store_->DropMissing().status());  // deletes the missing content's embedding
  ASSERT_OK(store_->Commit());
  EXPECT_EQ(OpenCurrentVectorFile(*store_, "clip-fp", path_), nullptr);
  ASSERT_TRUE(RefreshVectorFile(*store_, "clip-fp", path_).ok());
  f = OpenCurrentVectorFile(*store_, "clip-fp", path_);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->rows(), 4u);
}

TEST_F(VectorFileTest, AnotherIndexNeverMatchesByAccident) {
  ASSERT_OK(WriteVectorFile(*store_, "clip-fp", path_));
  // Same model, same number of writes, another index: its stamp started
  // elsewhere, so the file is not current for it.
  auto other = IndexStore::Open(":memory:", {});
  ASSERT_TRUE(other.ok());
  ASSERT_OK((*other)->RegisterModel("clip-fp", "clip", "clip", 3));
  ASSERT_OK((*other)->Begin());
  for (int i = 0; i < 5; ++i) {
    const float v[3] = {1, 2, 3};
    ASSERT_OK((*other)->PutEmbedding(Sha(i), "clip-fp", v, 3));
  }
  ASSERT_OK((*other)->Commit());
  EXPECT_EQ(OpenCurrentVectorFile(**other, "clip-fp", path_), nullptr);
  EXPECT_EQ(OpenCurrentVectorFile(*store_, "other-model", path_), nullptr);
}

TEST_F(VectorFileTest, DamagedFilesAreRejectedNotTrusted) {
  EXPECT_TRUE(VectorFile::Open(dir_.Join("absent")).status().IsNotFound());
  ASSERT_OK(WriteVectorFile(*store_, "clip-fp", path_));
  const auto size = std::filesystem::file_size(path_);
  std::filesystem::resize_file(path_, size - 1);
  EXPECT_TRUE(VectorFile::Open(path_).status().IsCorruption());
  EXPECT_EQ(OpenCurrentVectorFile(*store_, "clip-fp", path_), nullptr);
  std::ofstream(path_, std::ios::trunc) << "not a vector file at all, but long enough to hold a "
                                           "header of one hundred and twenty-eight bytes......";
  EXPECT_TRUE(VectorFile::Open(path_).status().IsCorruption());
  std::ofstream(path_, std::ios::trunc) << "short";
  EXPECT_TRUE(VectorFile::Open(path_).status().IsCorruption());
}

TEST_F(VectorFileTest, NoEmbeddingsMeansNoFile) {
  ASSERT_OK(store_->RegisterModel("empty-fp", "clip", "clip", 3));
  const std::string p = dir_.Join("empty.vectors");
  ASSERT_OK(WriteVectorFile(*store_, "empty-fp", p));
  EXPECT_FALSE(std::filesystem::exists(p));
  EXPECT_EQ(VectorFilePath("/x/index.db", "0123456789abcdef0123"), "/x/index.db.vectors-0123456789abcdef");
}

}  // namespace
}  // namespace photoidx::index
