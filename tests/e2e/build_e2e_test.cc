// `photoidx build` end to end, on copies of tests/data images in a temp dir.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/e2e/e2e_util.h"
#include "tests/testutil.h"

namespace photoidx::test {
namespace {

namespace fsys = std::filesystem;

class BuildE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    lib_ = tmp_.Join("photos");
    fsys::create_directories(lib_);
    for (const char* sub : {"jpeg", "png", "corrupt/jpeg"}) {
      fsys::create_directories(fsys::path(lib_ + "/" + sub).parent_path());
      fsys::copy(DataPath(std::string("images/") + sub), lib_ + "/" + sub,
                 fsys::copy_options::recursive);
    }
    index_ = tmp_.Join("index.db");
  }

  nlohmann::json BuildJson(const std::string& extra = "", int expect_exit = 0) {
    RunResult r = RunPhotoidx("build --no-embeddings --no-captions " + Quote(lib_) + " --index " + Quote(index_) + " --json " + extra);
    EXPECT_EQ(r.exit_code, expect_exit) << r.err;
    return nlohmann::json::parse(r.out);
  }

  ScopedTempDir tmp_;
  std::string lib_, index_;
};

TEST_F(BuildE2ETest, SecondBuildReadsNoImage) {
  nlohmann::json first = BuildJson();
  const int seen = first["counts"]["seen"];
  EXPECT_GT(first["counts"]["decoded"].get<int>(), 5);
  EXPECT_GT(first["counts"]["failed"].get<int>(), 5);
  for (const auto& f : first["failures"]) {
    EXPECT_FALSE(f["path"].get<std::string>().empty());
    // "metadata": good pixels, damaged EXIF/markers (indexed, reported).
    EXPECT_TRUE(f["stage"] == "decode" || f["stage"] == "metadata") << f["stage"];
    EXPECT_FALSE(f["reason"].get<std::string>().empty());
  }
  // Replace a good photo with garbage of the same size and mtime: a build
  // that opened it would report a failure; an unchanged-file skip does not.
  const std::string victim = lib_ + "/jpeg/baseline_420_testorig.jpg";
  struct stat st;
  ASSERT_EQ(stat(victim.c_str(), &st), 0);
  { std::ofstream(victim, std::ios::binary) << std::string(size_t(st.st_size), 'x'); }
  struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(utimensat(AT_FDCWD, victim.c_str(), times, 0), 0);

  nlohmann::json second = BuildJson();
  EXPECT_EQ(second["counts"]["unchanged"], seen);
  EXPECT_EQ(second["counts"]["hashed"], 0);
  EXPECT_EQ(second["counts"]["decoded"], 0);
  EXPECT_EQ(second["counts"]["failed"], 0);
}

TEST_F(BuildE2ETest, RenamedPhotoReusesTheCache) {
  BuildJson();
  fsys::rename(lib_ + "/png/photo_rgb8.png", lib_ + "/png/renamed.png");
  nlohmann::json j = BuildJson();
  EXPECT_EQ(j["counts"]["new"], 1);
  EXPECT_EQ(j["counts"]["reused"], 1);
  EXPECT_EQ(j["counts"]["decoded"], 0);
  EXPECT_EQ(j["counts"]["missing"], 1);
}

TEST_F(BuildE2ETest, StatsAndGc) {
  BuildJson();
  fsys::remove(lib_ + "/png/photo_rgb8.png");
  BuildJson();
  RunResult s = RunPhotoidx("stats --json --index " + Quote(index_));
  ASSERT_EQ(s.exit_code, 0) << s.err;
  nlohmann::json j = nlohmann::json::parse(s.out);
  EXPECT_EQ(j["files"]["missing"], 1);
  EXPECT_GT(j["files"]["present"].get<int>(), 5);
  EXPECT_GT(j["failures_by_stage"]["decode"].get<int>(), 5);
  EXPECT_EQ(j["last_runs"].size(), 2u);
  ASSERT_EQ(RunPhotoidx("gc --index " + Quote(index_)).exit_code, 0);
  nlohmann::json after = nlohmann::json::parse(RunPhotoidx("stats --json --index " + Quote(index_)).out);
  EXPECT_EQ(after["files"]["missing"], 0);
  EXPECT_EQ(after["contents"].get<int>(), j["contents"].get<int>() - 1);
  EXPECT_EQ(RunPhotoidx("stats --index " + Quote(tmp_.Join("none.db"))).exit_code, 2);
}

TEST_F(BuildE2ETest, JsonIsValidForNonUtf8Names) {
  // A JPEG with no frame at all: every libjpeg version refuses it (a
  // truncated one decodes with a warning under newer libjpeg-turbo).
  fsys::copy(DataPath("images/corrupt/jpeg/metadata_only_no_frame.jpg"),
             lib_ + "/bad\xff\xfe name.jpg");
  nlohmann::json j = BuildJson();
  bool found = false;
  for (const auto& f : j["failures"]) {
    if (f.contains("path_b64")) {
      found = true;
      EXPECT_EQ(f["path"].get<std::string>().find("\xef\xbf\xbd"), lib_.size() + 4);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(BuildE2ETest, UsageErrorsExitWithTwoBeforeAnyWork) {
  EXPECT_EQ(RunPhotoidx("build --no-embeddings --no-captions " + Quote(tmp_.Join("no-such-dir")) + " --index " + Quote(index_)).exit_code, 2);
  EXPECT_FALSE(fsys::exists(index_));
  EXPECT_EQ(RunPhotoidx("build --no-embeddings --no-captions " + Quote(lib_) + " --no-such-flag").exit_code, 2);
  EXPECT_EQ(RunPhotoidx("build --no-embeddings --no-captions " + Quote(lib_) + " --max-failures -3").exit_code, 2);
  RunResult r = RunPhotoidx("build --no-embeddings --no-captions " + Quote(lib_) + " --index /proc/photoidx/index.db");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("index"), std::string::npos) << r.err;
  EXPECT_EQ(RunPhotoidx("").exit_code, 2);
}

TEST_F(BuildE2ETest, BusyIndexExitsWithThreeWithNoWait) {
  BuildJson();
  // Hold the writer lock the way a running build does.
  const std::string hold = "flock " + Quote(index_ + ".lock") + " sleep 3 & sleep 0.5; ";
  const std::string cmd = hold + Quote(PHOTOIDX_BIN) + " build --no-embeddings --no-captions " + Quote(lib_) + " --index " +
                          Quote(index_) + " --no-wait >/dev/null 2>&1";
  const int status = std::system(("bash -c " + Quote(cmd)).c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

TEST_F(BuildE2ETest, MaxFailuresExitsWithOne) {
  nlohmann::json j = BuildJson("--max-failures 2", 1);
  EXPECT_EQ(j["counts"]["failed"], 3);
}

// SIGKILL at a random moment, then the next build finishes the rest and the
// one after finds nothing to do.
TEST_F(BuildE2ETest, KillAndResume) {
  const std::string many = tmp_.Join("many");
  fsys::create_directories(many);
  const std::vector<uint8_t> jpeg = ReadFileBytes(DataPath("images/jpeg/baseline_420_testorig.jpg"));
  const int kFiles = 300;
  for (int i = 0; i < kFiles; ++i) {
    // Bytes after the EOI marker make every file distinct content.
    std::ofstream out(many + "/p" + std::to_string(i) + ".jpg", std::ios::binary);
    out.write(reinterpret_cast<const char*>(jpeg.data()), std::streamsize(jpeg.size()));
    out << "trailer " << i;
  }
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 3; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execl(PHOTOIDX_BIN, PHOTOIDX_BIN, "build", many.c_str(), "--index", index_.c_str(),
            "--threads", "1", "--no-embeddings", "--no-captions", static_cast<char*>(nullptr));
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
  }
  RunResult r = RunPhotoidx("build --no-embeddings --no-captions " + Quote(many) + " --index " + Quote(index_) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json resumed = nlohmann::json::parse(r.out);
  EXPECT_EQ(resumed["counts"]["seen"], kFiles);
  EXPECT_EQ(resumed["counts"]["failed"], 0);
  nlohmann::json last = nlohmann::json::parse(
      RunPhotoidx("build --no-embeddings --no-captions " + Quote(many) + " --index " + Quote(index_) + " --json").out);
  EXPECT_EQ(last["counts"]["unchanged"], kFiles);
  EXPECT_EQ(last["counts"]["hashed"], 0);
}

TEST(InfoE2ETest, ShowsSizeAfterOrientationAndFailsCleanly) {
  RunResult r = RunPhotoidx("info --json " + Quote(DataPath("images/jpeg/baseline_420_testorig.jpg")) +
                            " " + Quote(DataPath("images/corrupt/jpeg/truncated_progressive.jpg")));
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["format"], "jpeg");
  EXPECT_EQ(j[0]["width"], 227);
  EXPECT_EQ(j[0]["height"], 149);
  EXPECT_EQ(j[0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_TRUE(j[1].contains("error"));
  EXPECT_NE(r.err.find("truncated_progressive.jpg"), std::string::npos);
}

}  // namespace
}  // namespace photoidx::test
