#include "core/pipeline/scanner.h"

#include <gtest/gtest.h>

#include "core/fs/mem_file_system.h"

namespace photoidx::pipeline {
namespace {

std::vector<std::string> Paths(const ScanResult& r) {
  std::vector<std::string> out;
  for (const auto& f : r.files) out.push_back(f.path);
  return out;
}

class ScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_.AddFile("/p/a.jpg", "x");
    fs_.AddFile("/p/sub/b.heic", "x");
    fs_.AddFile("/p/.git/objects/c.jpg", "x");
    fs_.AddFile("/p/@eaDir/a.jpg/SYNOPHOTO_THUMB_M.jpg", "x");
    fs_.AddFile("/p/.Trash-1000/files/d.jpg", "x");
    fs_.AddFile("/p/lost+found/e.jpg", "x");
    fs_.AddFile("/p/System Volume Information/f.jpg", "x");
    fs_.AddFile("/p/.hidden.jpg", "x");
    fs_.AddFile("/p/raw/g.dng", "x");
  }
  fs::MemFileSystem fs_;
};

TEST_F(ScannerTest, SkipsHiddenAndSystemFolders) {
  ScanResult r = Scan(fs_, {"/p"}, {});
  EXPECT_EQ(Paths(r), (std::vector<std::string>{"/p/a.jpg", "/p/raw/g.dng", "/p/sub/b.heic"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(ScannerTest, IncludeHiddenEntersEverything) {
  ScanOptions opts;
  opts.include_hidden = true;
  EXPECT_EQ(Scan(fs_, {"/p"}, opts).files.size(), 9u);
}

TEST_F(ScannerTest, ExcludeGlobsMatchPathOrName) {
  ScanOptions opts;
  opts.excludes = {"*.dng", "/p/sub/*"};
  EXPECT_EQ(Paths(Scan(fs_, {"/p"}, opts)), (std::vector<std::string>{"/p/a.jpg"}));
}

TEST_F(ScannerTest, OverlappingRootsListFilesOnce) {
  ScanResult r = Scan(fs_, {"/p", "/p/sub"}, {});
  EXPECT_EQ(r.files.size(), 3u);
}

TEST_F(ScannerTest, MissingRootIsAnErrorNotACrash) {
  ScanResult r = Scan(fs_, {"/nope"}, {});
  EXPECT_TRUE(r.files.empty());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].path, "/nope");
}

TEST(ScannerSystemDirs, Names) {
  EXPECT_TRUE(IsHiddenOrSystemDir(".git"));
  EXPECT_TRUE(IsHiddenOrSystemDir("@eaDir"));
  EXPECT_TRUE(IsHiddenOrSystemDir(".Trash-1000"));
  EXPECT_TRUE(IsHiddenOrSystemDir("System Volume Information"));
  EXPECT_TRUE(IsHiddenOrSystemDir("lost+found"));
  EXPECT_FALSE(IsHiddenOrSystemDir("2023 Holidays"));
}

}  // namespace
}  // namespace photoidx::pipeline
