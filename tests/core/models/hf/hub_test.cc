#include "core/models/hf/hub.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::models::hf {
namespace {

namespace fs = std::filesystem;

const std::string kCommitA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kCommitB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

void WriteFile(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A snapshot laid out as huggingface_hub does: files are symlinks into blobs/.
fs::path MakeSnapshot(const fs::path& cache, const std::string& repo, const std::string& commit,
                      const std::vector<std::string>& files) {
  const fs::path repo_dir = cache / RepoFolderName(repo);
  const fs::path snap = repo_dir / "snapshots" / commit;
  fs::create_directories(snap);
  for (const std::string& f : files) {
    const fs::path blob = repo_dir / "blobs" / (commit + "-" + f);
    WriteFile(blob, f + " of " + commit);
    fs::create_symlink(fs::path("../../blobs") / blob.filename(), snap / f);
  }
  return snap;
}

HubOptions Options(const std::string& cache) {
  HubOptions o;
  o.hub_cache = cache;
  return o;
}

HubOptions FromMap(const std::map<std::string, std::string>& env) {
  return HubOptionsFromVariables([&](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

TEST(HubTest, EnvironmentPrecedence) {
  EXPECT_EQ(FromMap({{"HOME", "/h"}}).hub_cache, "/h/.cache/huggingface/hub");
  EXPECT_EQ(FromMap({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/x"}}).hub_cache, "/x/huggingface/hub");
  EXPECT_EQ(FromMap({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/x"}, {"HF_HOME", "~/hf"}}).hub_cache,
            "/h/hf/hub");
  EXPECT_EQ(FromMap({{"HF_HOME", "/hf"}, {"HUGGINGFACE_HUB_CACHE", "/legacy"}}).hub_cache,
            "/legacy");
  EXPECT_EQ(FromMap({{"HF_HOME", "/hf"}, {"HUGGINGFACE_HUB_CACHE", "/legacy"},
                     {"HF_HUB_CACHE", "/c"}})
                .hub_cache,
            "/c");
  EXPECT_EQ(FromMap({}).hub_cache, "");
  EXPECT_FALSE(FromMap({}).offline);
  EXPECT_TRUE(FromMap({{"HF_HUB_OFFLINE", "1"}}).offline);
  EXPECT_TRUE(FromMap({{"HF_HUB_OFFLINE", "True"}}).offline);
  EXPECT_FALSE(FromMap({{"HF_HUB_OFFLINE", "0"}}).offline);
  EXPECT_EQ(FromMap({}).endpoint, "https://huggingface.co");
  EXPECT_EQ(FromMap({{"HF_ENDPOINT", "http://127.0.0.1:8080/"}}).endpoint, "http://127.0.0.1:8080");
  EXPECT_EQ(FromMap({{"HF_TOKEN", "hf_x"}}).token, "hf_x");
}

TEST(HubTest, ExistingFolderIsUsedAsIs) {
  test::ScopedTempDir dir;
  auto r = ResolveModelDir(dir.path(), Options(""));
  ASSERT_OK(r.status());
  EXPECT_EQ(*r, dir.path());
  EXPECT_TRUE(ResolveModelDir(dir.Join("nope/"), Options("")).status().IsNotFound());
  EXPECT_TRUE(ResolveModelDir("./missing", Options("")).status().IsNotFound());
}

TEST(HubTest, ResolvesRefsMain) {
  test::ScopedTempDir cache;
  const std::string repo = "openai/clip-vit-base-patch32";
  MakeSnapshot(cache.path(), repo, kCommitA, DefaultModelFiles());
  fs::path b = MakeSnapshot(cache.path(), repo, kCommitB, DefaultModelFiles());
  WriteFile(fs::path(cache.path()) / RepoFolderName(repo) / "refs" / "main", kCommitB + "\n");
  auto r = ResolveModelDir(repo, Options(cache.path()));
  ASSERT_OK(r.status());
  EXPECT_EQ(*r, b.string());
  std::ifstream in(fs::path(*r) / "config.json");
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "config.json of " + kCommitB);

  HubOptions pinned = Options(cache.path());
  pinned.revision = kCommitA;
  auto a = ResolveModelDir(repo, pinned);
  ASSERT_OK(a.status());
  EXPECT_EQ(fs::path(*a).filename(), kCommitA);
}

TEST(HubTest, WithoutRefsUsesNewestSnapshot) {
  test::ScopedTempDir cache;
  fs::path only = MakeSnapshot(cache.path(), "Salesforce/blip", kCommitA, DefaultModelFiles());
  auto r = ResolveModelDir("Salesforce/blip", Options(cache.path()));
  ASSERT_OK(r.status());
  EXPECT_EQ(*r, only.string());
  fs::path newer = MakeSnapshot(cache.path(), "Salesforce/blip", kCommitB, DefaultModelFiles());
  fs::last_write_time(only, fs::file_time_type::clock::now() - std::chrono::hours(1));
  r = ResolveModelDir("Salesforce/blip", Options(cache.path()));
  ASSERT_OK(r.status());
  EXPECT_EQ(*r, newer.string());
}

TEST(HubTest, MissingModelMessageSaysWhatAndWhere) {
  test::ScopedTempDir cache;
  HubOptions o = Options(cache.path());
  o.offline = true;
  Status s = ResolveModelDir("openai/clip-vit-base-patch32", o).status();
  ASSERT_TRUE(s.IsNotFound()) << s.ToString();
  const std::string m = s.ToString();
  for (const std::string& needle :
       {std::string("config.json"), std::string("model.safetensors"),
        std::string("https://huggingface.co/openai/clip-vit-base-patch32/resolve/main/"),
        cache.path() + "/models--openai--clip-vit-base-patch32/snapshots/",
        cache.path() + "/models--openai--clip-vit-base-patch32/refs/main",
        std::string("HF_HUB_OFFLINE")}) {
    EXPECT_NE(m.find(needle), std::string::npos) << needle << "\n" << m;
  }
}

TEST(HubTest, SnapshotMissingAFileOrDanglingLinkIsNotFound) {
  test::ScopedTempDir cache;
  fs::path snap = MakeSnapshot(cache.path(), "org/m", kCommitA, {"config.json"});
  Status s = ResolveModelDir("org/m", Options(cache.path())).status();
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.ToString().find("lacks model.safetensors"), std::string::npos) << s.ToString();
  fs::create_symlink("../../blobs/gone", snap / "model.safetensors");
  EXPECT_TRUE(ResolveModelDir("org/m", Options(cache.path())).status().IsNotFound());
}

class FakeDownloader : public Downloader {
 public:
  explicit FakeDownloader(std::string cache) : cache_(std::move(cache)) {}
  Result<std::string> Download(const std::string& repo_id, const std::string& revision,
                               const std::vector<std::string>& files,
                               const std::vector<std::string>&, const HubOptions&) override {
    ++calls;
    fs::path snap = MakeSnapshot(cache_, repo_id, kCommitA, files);
    WriteFile(fs::path(cache_) / RepoFolderName(repo_id) / "refs" / revision, kCommitA);
    return snap.string();
  }
  int calls = 0;

 private:
  std::string cache_;
};

TEST(HubTest, DownloaderSeamIsUsedUnlessOffline) {
  test::ScopedTempDir cache;
  FakeDownloader dl(cache.path());
  HubOptions o = Options(cache.path());
  o.downloader = &dl;
  o.offline = true;
  EXPECT_TRUE(ResolveModelDir("org/m", o).status().IsNotFound());
  EXPECT_EQ(dl.calls, 0);
  o.offline = false;
  ASSERT_OK(ResolveModelDir("org/m", o).status());
  EXPECT_EQ(dl.calls, 1);
  ASSERT_OK(ResolveModelDir("org/m", o).status());  // now cached
  EXPECT_EQ(dl.calls, 1);
}

TEST(HubTest, RepoIds) {
  EXPECT_EQ(RepoFolderName("openai/clip-vit-base-patch32"), "models--openai--clip-vit-base-patch32");
  EXPECT_TRUE(IsValidRepoId("openai/clip-vit-base-patch32"));
  EXPECT_TRUE(IsValidRepoId("gpt2"));
  EXPECT_TRUE(IsValidRepoId("Salesforce/blip-image-captioning-base"));
  EXPECT_FALSE(IsValidRepoId("a/b/c"));
  EXPECT_FALSE(IsValidRepoId("a/../b"));
  EXPECT_FALSE(IsValidRepoId("a--b/c"));
  EXPECT_FALSE(IsValidRepoId("org/"));
  EXPECT_FALSE(IsValidRepoId("org/na me"));
  EXPECT_TRUE(ResolveModelDir("bad id!", Options("")).status().IsInvalidArgument());
}

}  // namespace
}  // namespace photoidx::models::hf
