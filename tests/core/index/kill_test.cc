// Kill safety: a writer SIGKILLed at a random moment leaves an index that
// opens, passes integrity_check, holds every batch committed before the kill
// and no part of the batch in flight; the next writer carries on.
//
// A forked child writes batches (kRows files + contents + embeddings each,
// one transaction per batch) and reports each commit on a pipe; the parent
// kills it after a random delay, then checks the index.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/index/index_store.h"
#include "tests/testutil.h"

namespace photoidx::index {
namespace {

constexpr int kRows = 200;
constexpr int kDim = 64;
constexpr int kIterations = 5;

std::string RowPath(int round, int batch, int row) {
  return "/kill/" + std::to_string(round) + "/" + std::to_string(batch) + "/" +
         std::to_string(row) + "\xff.jpg";
}

std::string RowHash(int round, int batch, int row) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%016x%016x%016x%016x", round, batch, row, 0xabcd);
  return buf;
}

// Child body: writes batch after batch until killed. Never returns.
[[noreturn]] void WriteForever(const std::string& path, int round, int report_fd) {
  auto store = IndexStore::Open(path, OpenOptions{.writer = true, .wait = true});
  if (!store.ok()) _exit(10);
  IndexStore& s = **store;
  if (!s.RegisterModel("m", "m", "clip", kDim).ok()) _exit(11);
  std::vector<float> vec(kDim, 0.5f);
  image::Metadata meta;
  meta.format = image::Format::kJpeg;
  meta.width = 4000;
  meta.height = 3000;
  for (int batch = 0;; ++batch) {
    if (!s.Begin().ok()) _exit(12);
    for (int row = 0; row < kRows; ++row) {
      std::string hash = RowHash(round, batch, row);
      if (!s.UpsertFile(FileRow{RowPath(round, batch, row), 1, 2, hash}).ok()) _exit(13);
      if (!s.PutContent(hash, 1, meta).ok()) _exit(14);
      if (!s.PutEmbedding(hash, "m", vec.data(), kDim).ok()) _exit(15);
    }
    if (!s.Commit().ok()) _exit(16);
    if (write(report_fd, &batch, sizeof(batch)) != sizeof(batch)) _exit(17);
  }
}

// Reads batch numbers from the pipe; returns the highest seen (or -1). When
// `first_timeout_ms` > 0, waits that long for the first report.
int ReadReports(int fd, int first_timeout_ms) {
  int last = -1;
  pollfd p{fd, POLLIN, 0};
  if (first_timeout_ms > 0 && poll(&p, 1, first_timeout_ms) <= 0) return last;
  int batch = 0;
  while (read(fd, &batch, sizeof(batch)) == sizeof(batch)) last = batch;
  return last;
}

// Per batch of `round`: how many file rows are visible.
std::map<int, int> CountBatches(IndexStore& s, int round) {
  std::map<int, int> count;
  auto files = s.LoadFiles();
  EXPECT_TRUE(files.ok());
  std::string prefix = "/kill/" + std::to_string(round) + "/";
  for (const auto& [path, row] : *files) {
    if (path.rfind(prefix, 0) != 0) continue;
    count[std::stoi(path.substr(prefix.size()))]++;
  }
  return count;
}

TEST(IndexKillTest, SigkillAtRandomMomentsLosesAtMostTheBatchInFlight) {
  test::ScopedTempDir dir;
  std::string path = dir.Join("index.db");
  std::random_device rd;
  unsigned seed = rd();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  int64_t total_rows = 0;
  for (int round = 0; round < kIterations; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      WriteForever(path, round, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    // Let it commit at least once, then kill it somewhere in the next batches.
    int reported = ReadReports(fds[0], 20000);
    ASSERT_GE(reported, 0) << "child made no progress";
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 40000)(rng)));
    kill(pid, SIGKILL);
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL)
        << "child exited by itself with code " << WEXITSTATUS(wstatus);
    reported = std::max(reported, ReadReports(fds[0], 0));
    close(fds[0]);

    auto store = IndexStore::Open(path, OpenOptions{.writer = true, .wait = false});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_OK((*store)->CheckIntegrity());
    std::map<int, int> batches = CountBatches(**store, round);
    // Complete batches 0..n-1 and nothing else: every reported commit is
    // there, at most one more (committed, killed before reporting).
    int n = static_cast<int>(batches.size());
    EXPECT_GE(n, reported + 1);
    EXPECT_LE(n, reported + 2);
    for (const auto& [batch, rows] : batches) {
      EXPECT_LT(batch, n) << "gap before batch " << batch;
      EXPECT_EQ(rows, kRows) << "partial batch " << batch << " in round " << round;
    }
    total_rows += int64_t(n) * kRows;
    auto stats = (*store)->Stats(0);
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->files_present, total_rows);
    EXPECT_EQ(stats->contents, total_rows);
    ASSERT_EQ(stats->models.size(), 1u);
    EXPECT_EQ(stats->models[0].embeddings, total_rows);
  }
}

}  // namespace
}  // namespace photoidx::index
