// The writer lock: one writer per index across processes (flock on
// "<index>.lock"; flock locks belong to the open file description, so two
// stores in one process conflict exactly as two processes would).
#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/index/index_store.h"
#include "tests/testutil.h"

namespace photoidx::index {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

OpenOptions Writer(bool wait) { return OpenOptions{.writer = true, .wait = wait}; }

TEST(IndexLockTest, SecondWriterIsBusyWithoutWaitAndGetsItAfterTheFirstCloses) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  auto first = IndexStore::Open(path, Writer(false));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(path + ".lock"));

  auto second = IndexStore::Open(path, Writer(false));
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsBusy()) << second.status().ToString();
  EXPECT_THAT(second.status().message(), HasSubstr(path + ".lock"));

  first = Status::Aborted("closed");  // destroys the first store
  auto third = IndexStore::Open(path, Writer(false));
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TEST(IndexLockTest, ReadersTakeNoLock) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  auto writer = IndexStore::Open(path, Writer(false));
  ASSERT_TRUE(writer.ok());
  auto reader = IndexStore::Open(path, OpenOptions{.writer = false, .create = false});
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  auto reader2 = IndexStore::Open(path, OpenOptions{.writer = false, .create = false});
  EXPECT_TRUE(reader2.ok()) << reader2.status().ToString();
}

TEST(IndexLockTest, WaitingWriterProceedsWhenTheLockIsReleased) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  auto first = IndexStore::Open(path, Writer(false));
  ASSERT_TRUE(first.ok());

  std::atomic<int> waits{0};
  auto waiter = std::async(std::launch::async, [&] {
    OpenOptions options = Writer(true);
    options.on_wait = [&] { waits++; };
    return IndexStore::Open(path, options);
  });
  // Still blocked while the first writer lives.
  EXPECT_EQ(waiter.wait_for(300ms), std::future_status::timeout);
  EXPECT_EQ(waits.load(), 1);
  first = Status::Aborted("closed");
  ASSERT_EQ(waiter.wait_for(5s), std::future_status::ready);
  auto second = waiter.get();
  EXPECT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(waits.load(), 1);  // told once, not once per poll
}

TEST(IndexLockTest, WaitingWriterGivesUpWhenInterrupted) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  auto first = IndexStore::Open(path, Writer(false));
  ASSERT_TRUE(first.ok());
  std::atomic<bool> interrupt{false};
  auto waiter = std::async(std::launch::async, [&] {
    OpenOptions options = Writer(true);
    options.interrupt = &interrupt;
    return IndexStore::Open(path, options);
  });
  EXPECT_EQ(waiter.wait_for(200ms), std::future_status::timeout);
  interrupt = true;
  ASSERT_EQ(waiter.wait_for(5s), std::future_status::ready);
  auto second = waiter.get();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kInterrupted) << second.status().ToString();
}

TEST(IndexLockTest, LockIsPerIndexFile) {
  test::ScopedTempDir dir;
  auto a = IndexStore::Open(dir.Join("a.db"), Writer(false));
  auto b = IndexStore::Open(dir.Join("b.db"), Writer(false));
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(b.ok()) << b.status().ToString();
}

}  // namespace
}  // namespace photoidx::index
