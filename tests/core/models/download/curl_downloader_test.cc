// CurlDownloader against HttpTestServer (127.0.0.1): the huggingface_hub cache
// layout it writes, tokens and redirects, 404s for required and optional
// files, cut and stalled transfers, offline mode, and what the cache saves.
#include "core/models/download/curl_downloader.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <map>

#include <gtest/gtest.h>

#include "core/hash/sha256.h"
#include "core/models/hf/hub.h"
#include "tests/http_test_server.h"
#include "tests/testutil.h"

namespace photoidx::models::download {
namespace {

namespace fs = std::filesystem;
using test::HttpTestServer;

const std::string kRepo = "org/m";
const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::vector<std::string> kRequired = {"config.json", "model.safetensors"};
const std::vector<std::string> kOptional = {"tokenizer_config.json", "added_tokens.json"};

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string ReadFile(const fs::path& p) {
  std::vector<uint8_t> b = test::ReadFileBytes(p.string());
  return std::string(b.begin(), b.end());
}

std::string Sha256(const std::string& s) {
  return hash::Sha256Hex(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

class CurlDownloaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.ok());
    ::setenv("no_proxy", "127.0.0.1,localhost", 1);  // keep an environment proxy out of it
    for (size_t i = 0; i < 300000; ++i) model_ += char('a' + (i * 7919) % 26);
    files_ = {{"config.json", R"({"model_type": "clip"})"},
              {"model.safetensors", model_},
              {"tokenizer_config.json", "{}"}};
    for (const auto& [name, text] : files_) WriteFile(fs::path(repo_.path()) / name, text);
    server_.AddRepo(kRepo, kCommit, repo_.path());
    HttpTestServer::FileRule lfs;
    lfs.redirect = true;
    lfs.linked_etag = Sha256(model_);
    server_.SetRule(kRepo, "model.safetensors", lfs);
  }

  // Options as the CLI makes them, from variables (HF_HUB_CACHE, HF_ENDPOINT...).
  hf::HubOptions Hub(std::map<std::string, std::string> env = {}) {
    env.emplace("HF_HUB_CACHE", cache_.path());
    env.emplace("HF_ENDPOINT", server_.endpoint() + "/");
    hf::HubOptions o =
        hf::HubOptionsFromVariables([&](const char* name) -> std::optional<std::string> {
          auto it = env.find(name);
          if (it == env.end()) return std::nullopt;
          return it->second;
        });
    o.downloader = &downloader_;
    return o;
  }

  Result<std::string> Resolve(const hf::HubOptions& hub,
                              const std::vector<std::string>& required = kRequired) {
    return hf::ResolveModelDir(kRepo, hub, required, kOptional);
  }

  fs::path RepoDir() const { return fs::path(cache_.path()) / "models--org--m"; }
  fs::path Snapshot() const { return RepoDir() / "snapshots" / kCommit; }

  // Files under blobs/ whose name ends in .incomplete.
  int IncompleteFiles() const {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(RepoDir() / "blobs", ec)) {
      if (e.path().extension() == ".incomplete") ++n;
    }
    return n;
  }

  test::ScopedTempDir cache_, repo_;
  HttpTestServer server_;
  CurlDownloader downloader_;
  std::string model_;
  std::map<std::string, std::string> files_;
};

TEST_F(CurlDownloaderTest, WritesTheHubCacheLayoutThatResolvesOffline) {
  auto dir = Resolve(Hub());
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(*dir, Snapshot().string());
  EXPECT_EQ(ReadFile(RepoDir() / "refs" / "main"), kCommit);  // no newline, as huggingface_hub
  // Blob names: the hub's ETag, the LFS file's X-Linked-Etag (not the CDN's ETag).
  const std::map<std::string, std::string> blobs = {
      {"config.json", HttpTestServer::Fingerprint(files_["config.json"])},
      {"model.safetensors", Sha256(model_)},
      {"tokenizer_config.json", HttpTestServer::Fingerprint("{}")}};
  for (const auto& [name, blob] : blobs) {
    const fs::path link = Snapshot() / name;
    ASSERT_TRUE(fs::is_symlink(link)) << name;
    EXPECT_EQ(fs::read_symlink(link), fs::path("../../blobs") / blob) << name;
    EXPECT_EQ(ReadFile(link), files_[name]) << name;  // byte-identical
    EXPECT_TRUE(fs::is_regular_file(RepoDir() / "blobs" / blob)) << name;
  }
  EXPECT_FALSE(fs::exists(Snapshot() / "added_tokens.json"));  // optional, 404: skipped
  EXPECT_EQ(IncompleteFiles(), 0);

  // The branch is asked for once, then the commit it named; user agent photoidx/<version>.
  std::vector<HttpTestServer::Request> rq = server_.requests();
  ASSERT_EQ(rq.size(), 5u);  // config, model (302 + CDN), tokenizer_config, added_tokens
  EXPECT_EQ(rq[0].path, "/org/m/resolve/main/config.json");
  EXPECT_EQ(rq[1].path, "/org/m/resolve/" + kCommit + "/model.safetensors");
  EXPECT_EQ(rq[2].path, "/cdn/org/m/model.safetensors");
  EXPECT_EQ(rq[0].user_agent.rfind("photoidx/", 0), 0u) << rq[0].user_agent;

  // Found again with no network at all, and with the downloader: no request.
  hf::HubOptions offline = Hub({{"HF_HUB_OFFLINE", "1"}});
  offline.downloader = nullptr;
  auto again = Resolve(offline);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *dir);
  ASSERT_TRUE(Resolve(Hub()).ok());
  EXPECT_EQ(server_.request_count(), 5u);
}

TEST_F(CurlDownloaderTest, SendsTheTokenToTheHubOnlyAndExplainsA401) {
  server_.RequireToken("hf_secret");
  Status s = Resolve(Hub()).status();
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("org/m"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("config.json"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("401"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("gated or private"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("set HF_TOKEN"), std::string::npos) << s.ToString();
  EXPECT_FALSE(fs::exists(RepoDir() / "snapshots"));

  Status wrong = Resolve(Hub({{"HF_TOKEN", "hf_wrong"}})).status();
  EXPECT_TRUE(wrong.IsNotFound()) << wrong.ToString();
  EXPECT_EQ(wrong.message().find("hf_wrong"), std::string::npos) << "token leaked into a message";

  const size_t before = server_.request_count();
  ASSERT_OK(Resolve(Hub({{"HF_TOKEN", "hf_secret"}})).status());
  std::vector<HttpTestServer::Request> rq = server_.requests();
  int cdn = 0;
  for (size_t i = before; i < rq.size(); ++i) {
    if (rq[i].path.rfind("/cdn/", 0) == 0) {
      ++cdn;  // the redirect went to another host name: the token stays behind
      EXPECT_EQ(rq[i].authorization, "") << rq[i].host;
      EXPECT_EQ(rq[i].host.rfind("localhost:", 0), 0u) << rq[i].host;
    } else {
      EXPECT_EQ(rq[i].authorization, "Bearer hf_secret") << rq[i].path;
    }
  }
  EXPECT_EQ(cdn, 1);
  EXPECT_EQ(ReadFile(Snapshot() / "model.safetensors"), model_);
}

TEST_F(CurlDownloaderTest, MissingRequiredFileIsAnErrorNamingIt) {
  Status s = Resolve(Hub(), {"config.json", "vocab.json"}).status();
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("vocab.json"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("404"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("file not found"), std::string::npos) << s.ToString();
  EXPECT_FALSE(fs::exists(RepoDir() / "refs" / "main"));

  Status repo = hf::ResolveModelDir("org/other", Hub()).status();
  EXPECT_TRUE(repo.IsNotFound()) << repo.ToString();
  EXPECT_NE(repo.message().find("repository not found"), std::string::npos) << repo.ToString();
}

TEST_F(CurlDownloaderTest, CutConnectionLeavesNoCompleteBlobThenRetrySucceeds) {
  HttpTestServer::FileRule cut;
  cut.cut_after = 1000;
  server_.SetRule(kRepo, "config.json", HttpTestServer::FileRule{});
  server_.SetRule(kRepo, "model.safetensors", cut);  // served directly, cut short
  Status s = Resolve(Hub()).status();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("model.safetensors"), std::string::npos) << s.ToString();
  const std::string etag = HttpTestServer::Fingerprint(model_);
  EXPECT_FALSE(fs::exists(RepoDir() / "blobs" / etag));
  EXPECT_EQ(IncompleteFiles(), 0);
  EXPECT_FALSE(fs::exists(fs::symlink_status(Snapshot() / "model.safetensors")));
  EXPECT_FALSE(fs::exists(RepoDir() / "refs" / "main"));
  hf::HubOptions offline = Hub({{"HF_HUB_OFFLINE", "true"}});
  EXPECT_TRUE(Resolve(offline).status().IsNotFound());

  server_.SetRule(kRepo, "model.safetensors", HttpTestServer::FileRule{});
  auto dir = Resolve(Hub());
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(ReadFile(Snapshot() / "model.safetensors"), model_);
}

TEST_F(CurlDownloaderTest, OfflineNeverContactsTheServer) {
  for (const char* v : {"1", "ON", "yes", "true"}) {
    Status s = Resolve(Hub({{"HF_HUB_OFFLINE", v}})).status();
    EXPECT_TRUE(s.IsNotFound()) << s.ToString();
    EXPECT_NE(s.message().find("HF_HUB_OFFLINE"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("and tokenizer_config.json, added_tokens.json where"),
              std::string::npos)
        << s.ToString();
  }
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(CurlDownloaderTest, ReusesACachedBlobWithoutItsBody) {
  ASSERT_OK(Resolve(Hub()).status());
  fs::remove(Snapshot() / "model.safetensors");  // the blob stays
  std::vector<std::pair<int64_t, int64_t>> calls;
  CurlDownloaderOptions o;
  o.progress = [&](const std::string& file, int64_t done, int64_t total) {
    if (file == "model.safetensors") calls.push_back({done, total});
  };
  CurlDownloader dl(o);
  hf::HubOptions hub = Hub();
  hub.downloader = &dl;
  const size_t before = server_.request_count();
  ASSERT_OK(Resolve(hub).status());
  EXPECT_EQ(ReadFile(Snapshot() / "model.safetensors"), model_);
  // The hub's answer named a blob already there: the CDN was never asked.
  for (size_t i = before; i < server_.request_count(); ++i) {
    EXPECT_NE(server_.requests()[i].path.rfind("/cdn/", 0), 0u);
  }
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].first, int64_t(model_.size()));
  EXPECT_EQ(calls[0].second, int64_t(model_.size()));
}

TEST_F(CurlDownloaderTest, ReportsProgressEndingAtTheSize) {
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> calls;
  CurlDownloaderOptions o;
  o.progress = [&](const std::string& file, int64_t done, int64_t total) {
    calls[file].push_back({done, total});
  };
  CurlDownloader dl(o);
  hf::HubOptions hub = Hub();
  hub.downloader = &dl;
  ASSERT_OK(Resolve(hub).status());
  ASSERT_EQ(calls.size(), 3u);
  for (const auto& [file, seq] : calls) {
    const int64_t size = int64_t(files_[file].size());
    ASSERT_FALSE(seq.empty());
    EXPECT_EQ(seq.back(), std::make_pair(size, size)) << file;
    for (size_t i = 1; i < seq.size(); ++i) EXPECT_GE(seq[i].first, seq[i - 1].first) << file;
  }
}

TEST_F(CurlDownloaderTest, ChecksTheLfsSha256) {
  HttpTestServer::FileRule lfs;
  lfs.redirect = true;
  lfs.linked_etag = std::string(64, 'e');
  server_.SetRule(kRepo, "model.safetensors", lfs);
  Status s = Resolve(Hub()).status();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("SHA-256"), std::string::npos) << s.ToString();
  EXPECT_FALSE(fs::exists(RepoDir() / "blobs" / lfs.linked_etag));
  EXPECT_EQ(IncompleteFiles(), 0);
}

TEST_F(CurlDownloaderTest, WithoutAnEtagTheBlobIsNamedBySha256) {
  HttpTestServer::FileRule plain;
  plain.no_etag = true;
  server_.SetRule(kRepo, "config.json", plain);
  ASSERT_OK(Resolve(Hub()).status());
  EXPECT_EQ(fs::read_symlink(Snapshot() / "config.json"),
            fs::path("../../blobs") / Sha256(files_["config.json"]));
}

TEST_F(CurlDownloaderTest, CommitComesFromTheHubOrTheRevision) {
  server_.SendCommit(false);
  Status s = Resolve(Hub()).status();
  EXPECT_TRUE(s.IsNotSupported()) << s.ToString();
  EXPECT_NE(s.message().find("X-Repo-Commit"), std::string::npos) << s.ToString();

  hf::HubOptions pinned = Hub();
  pinned.revision = kCommit;
  auto dir = Resolve(pinned);
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(*dir, Snapshot().string());
  EXPECT_FALSE(fs::exists(RepoDir() / "refs"));  // a commit needs no ref
}

TEST_F(CurlDownloaderTest, StalledTransferTimesOut) {
  HttpTestServer::FileRule stall;
  stall.stall_after = 1000;
  server_.SetRule(kRepo, "model.safetensors", stall);
  CurlDownloaderOptions o;
  o.low_speed_bytes = 1 << 20;  // curl's speed is a 5 s average: make 1000 bytes look slow at once
  o.low_speed_time_s = 1;
  CurlDownloader dl(o);
  hf::HubOptions hub = Hub();
  hub.downloader = &dl;
  const auto start = std::chrono::steady_clock::now();
  Status s = Resolve(hub).status();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("model.safetensors"), std::string::npos) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(IncompleteFiles(), 0);
}

TEST_F(CurlDownloaderTest, NetworkAndInputErrors) {
  std::string dead;
  {
    HttpTestServer gone;
    dead = gone.endpoint();
  }
  hf::HubOptions hub = Hub({{"HF_ENDPOINT", dead}});
  Status s = Resolve(hub).status();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(s.message().find("org/m: config.json"), std::string::npos) << s.ToString();

  auto bad = downloader_.Download(kRepo, "main", {"../escape"}, {}, Hub());
  EXPECT_TRUE(bad.status().IsInvalidArgument()) << bad.status().ToString();
  hf::HubOptions no_cache = Hub();
  no_cache.hub_cache.clear();
  EXPECT_TRUE(downloader_.Download(kRepo, "main", kRequired, {}, no_cache)
                  .status()
                  .IsInvalidArgument());
  EXPECT_EQ(server_.request_count(), 0u);
}

TEST_F(CurlDownloaderTest, AnotherProcessDownloadingTheBlobIsBusy) {
  const fs::path temp =
      RepoDir() / "blobs" / (HttpTestServer::Fingerprint(files_["config.json"]) + ".incomplete");
  fs::create_directories(temp.parent_path());
  int fd = ::open(temp.c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  // flock locks belong to an open file: the downloader's own open() conflicts.
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  Status s = Resolve(Hub()).status();
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  ::close(fd);
  ASSERT_OK(Resolve(Hub()).status());
}

}  // namespace
}  // namespace photoidx::models::download
