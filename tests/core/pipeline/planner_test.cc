#include "core/pipeline/planner.h"

#include <gtest/gtest.h>

namespace photoidx::pipeline {
namespace {

ScannedFile File(const std::string& path, uint64_t size, int64_t mtime) {
  ScannedFile f;
  f.path = path;
  f.info.type = fs::EntryType::kFile;
  f.info.size = size;
  f.info.mtime_ns = mtime;
  return f;
}

index::FileRow Row(const std::string& path, uint64_t size, int64_t mtime,
                   index::FileState state = index::FileState::kPresent) {
  index::FileRow r;
  r.path = path;
  r.size = size;
  r.mtime_ns = mtime;
  r.sha256 = "h-" + path;
  r.state = state;
  return r;
}

TEST(PlannerTest, UnchangedNewChangedMissing) {
  ScanResult scan;
  scan.files = {File("/p/same.jpg", 10, 100), File("/p/new.jpg", 5, 1),
                File("/p/changed_size.jpg", 11, 100), File("/p/changed_mtime.jpg", 10, 101)};
  std::unordered_map<std::string, index::FileRow> known = {
      {"/p/same.jpg", Row("/p/same.jpg", 10, 100)},
      {"/p/changed_size.jpg", Row("/p/changed_size.jpg", 10, 100)},
      {"/p/changed_mtime.jpg", Row("/p/changed_mtime.jpg", 10, 100)},
      {"/p/gone.jpg", Row("/p/gone.jpg", 1, 1)},
      {"/other/elsewhere.jpg", Row("/other/elsewhere.jpg", 1, 1)},
  };
  Plan plan = MakePlan(scan, known, {"/p"}, {});
  EXPECT_EQ(plan.seen, 4);
  EXPECT_EQ(plan.unchanged, 1);
  ASSERT_EQ(plan.work.size(), 3u);
  EXPECT_EQ(plan.work[0].file.path, "/p/new.jpg");
  EXPECT_TRUE(plan.work[0].is_new);
  EXPECT_FALSE(plan.work[1].is_new);
  EXPECT_FALSE(plan.work[2].is_new);
  // Only files under the scanned roots can go missing.
  EXPECT_EQ(plan.missing, std::vector<std::string>{"/p/gone.jpg"});
  EXPECT_EQ(plan.present, std::vector<std::string>{"/p/same.jpg"});
}

TEST(PlannerTest, RenameIsNewPathPlusMissingOldPath) {
  ScanResult scan;
  scan.files = {File("/p/renamed.jpg", 10, 100)};
  std::unordered_map<std::string, index::FileRow> known = {
      {"/p/original.jpg", Row("/p/original.jpg", 10, 100)}};
  Plan plan = MakePlan(scan, known, {"/p"}, {});
  ASSERT_EQ(plan.work.size(), 1u);
  EXPECT_TRUE(plan.work[0].is_new);
  EXPECT_EQ(plan.missing, std::vector<std::string>{"/p/original.jpg"});
}

TEST(PlannerTest, KnownFailuresAreSkippedUnlessRetried) {
  ScanResult scan;
  scan.files = {File("/p/bad.jpg", 10, 100)};
  std::unordered_map<std::string, index::FileRow> known = {
      {"/p/bad.jpg", Row("/p/bad.jpg", 10, 100, index::FileState::kFailed)}};
  Plan plan = MakePlan(scan, known, {"/p"}, {});
  EXPECT_TRUE(plan.work.empty());
  EXPECT_EQ(plan.unchanged_failed, 1);
  PlanOptions retry;
  retry.retry_failed = true;
  EXPECT_EQ(MakePlan(scan, known, {"/p"}, retry).work.size(), 1u);
}

TEST(PlannerTest, MissingFileThatCameBackIsRechecked) {
  ScanResult scan;
  scan.files = {File("/p/back.jpg", 10, 100)};
  std::unordered_map<std::string, index::FileRow> known = {
      {"/p/back.jpg", Row("/p/back.jpg", 10, 100, index::FileState::kMissing)}};
  Plan plan = MakePlan(scan, known, {"/p"}, {});
  ASSERT_EQ(plan.work.size(), 1u);
  EXPECT_FALSE(plan.work[0].is_new);
  EXPECT_TRUE(plan.missing.empty());
}

TEST(PlannerTest, IgnoredFilesStayIgnoredWhileUnchanged) {
  ScanResult scan;
  scan.files = {File("/p/notes.txt", 3, 7)};
  std::unordered_map<std::string, index::FileRow> known = {
      {"/p/notes.txt", Row("/p/notes.txt", 3, 7, index::FileState::kIgnored)}};
  Plan plan = MakePlan(scan, known, {"/p"}, {});
  EXPECT_TRUE(plan.work.empty());
  EXPECT_EQ(plan.unchanged, 1);
}

}  // namespace
}  // namespace photoidx::pipeline
