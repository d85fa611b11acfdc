#include "core/fs/file_system.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/pipeline/scanner.h"
#include "tests/testutil.h"

namespace photoidx::fs {
namespace {

TEST(PathTest, AbsoluteAndJoin) {
  EXPECT_EQ(AbsolutePath("/a/./b/../c/"), "/a/c");
  EXPECT_EQ(AbsolutePath("/"), "/");
  EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
  EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
  EXPECT_EQ(AbsolutePath("rel")[0], '/');
}

TEST(RealFileSystemTest, ReadStatAndSymlinkLoops) {
  test::ScopedTempDir dir;
  std::filesystem::create_directories(dir.Join("a/b"));
  { std::ofstream(dir.Join("a/b/x.jpg")) << "hello"; }
  std::filesystem::create_directory_symlink(dir.Join("a"), dir.Join("a/b/loop"));
  RealFileSystem fs;
  auto bytes = fs.ReadFile(dir.Join("a/b/x.jpg"));
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(std::string(bytes->begin(), bytes->end()), "hello");
  auto head = fs.ReadHead(dir.Join("a/b/x.jpg"), 2);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size(), 2u);
  EXPECT_TRUE(fs.Stat(dir.Join("nope")).status().IsNotFound());
  // The loop a/b/loop -> a is entered once, the file listed once.
  auto scan = pipeline::Scan(fs, {dir.path()}, {});
  ASSERT_EQ(scan.files.size(), 1u);
  EXPECT_EQ(scan.files[0].info.size, 5u);
}

TEST(RealFileSystemTest, NonUtf8FileNames) {
  test::ScopedTempDir dir;
  const std::string name = dir.Join("caf\xe9.jpg");  // Latin-1 byte, not UTF-8
  { std::ofstream(name) << "x"; }
  RealFileSystem fs;
  auto scan = pipeline::Scan(fs, {dir.path()}, {});
  ASSERT_EQ(scan.files.size(), 1u);
  EXPECT_EQ(scan.files[0].path, name);
}

}  // namespace
}  // namespace photoidx::fs
