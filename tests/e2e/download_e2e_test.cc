// photoidx fetching a model it does not have: HttpTestServer serves
// tests/data/models/clip-tiny-quickgelu as the hub repository "tiny/clip"
// (HF_ENDPOINT); `photoidx embed --model tiny/clip` downloads it into an
// empty HF_HUB_CACHE and embeds exactly as from the local folder; then the
// same runs with HF_HUB_OFFLINE=1 from the cache alone, and an offline run
// with an empty cache says what to download.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>

#include "tests/e2e/e2e_util.h"
#include "tests/http_test_server.h"
#include "tests/testutil.h"

namespace photoidx::test {
namespace {

namespace fsys = std::filesystem;

const char kCommit[] = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

// Sets environment variables for the photoidx child processes; restores them.
class ScopedEnv {
 public:
  ~ScopedEnv() {
    for (const auto& [name, value] : saved_) {
      if (value) ::setenv(name.c_str(), value->c_str(), 1);
      else ::unsetenv(name.c_str());
    }
  }
  void Set(const std::string& name, const std::optional<std::string>& value) {
    if (!saved_.count(name)) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) ::setenv(name.c_str(), value->c_str(), 1);
    else ::unsetenv(name.c_str());
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

nlohmann::json FirstLine(const std::string& out) {
  return nlohmann::json::parse(out.substr(0, out.find('\n')));
}

TEST(DownloadE2ETest, EmbedDownloadsAHubModelThenRunsOffline) {
  HttpTestServer server;
  ASSERT_TRUE(server.ok());
  const std::string local = DataPath("models/clip-tiny-quickgelu");
  server.AddRepo("tiny/clip", kCommit, local);
  HttpTestServer::FileRule lfs;  // the weights come through a redirect, as LFS files do
  lfs.redirect = true;
  lfs.linked_etag = "weights-etag";
  server.SetRule("tiny/clip", "model.safetensors", lfs);

  ScopedTempDir tmp;
  ScopedEnv env;
  env.Set("HF_ENDPOINT", server.endpoint());
  env.Set("HF_HUB_CACHE", tmp.Join("hub"));
  env.Set("XDG_CACHE_HOME", tmp.Join("xdg"));  // the fingerprint cache
  env.Set("HF_HUB_OFFLINE", std::nullopt);
  env.Set("HF_TOKEN", std::nullopt);
  env.Set("no_proxy", "127.0.0.1,localhost");  // a proxy in the environment must not see this
  const std::string args = " --text 'a dog' --device cpu --dtype fp32";

  RunResult want = RunPhotoidx("embed --model " + Quote(local) + args);
  ASSERT_EQ(want.exit_code, 0) << want.err;
  ASSERT_EQ(server.request_count(), 0u);

  RunResult got = RunPhotoidx("embed --model tiny/clip" + args);
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_NE(got.err.find("downloaded tiny/clip model.safetensors"), std::string::npos) << got.err;
  const nlohmann::json a = FirstLine(want.out), b = FirstLine(got.out);
  EXPECT_EQ(b["model"], a["model"]);  // same config and weights
  EXPECT_EQ(b["tokens"], a["tokens"]);
  EXPECT_EQ(b["embedding"], a["embedding"]);
  const fsys::path snap = fsys::path(tmp.Join("hub")) / "models--tiny--clip/snapshots" / kCommit;
  EXPECT_TRUE(fsys::is_symlink(snap / "model.safetensors"));
  EXPECT_EQ(ReadFileBytes((snap / "model.safetensors").string()),
            ReadFileBytes(local + "/model.safetensors"));
  EXPECT_EQ(ReadText(tmp.Join("hub") + "/models--tiny--clip/refs/main"), kCommit);
  const size_t requests = server.request_count();
  EXPECT_GT(requests, 0u);

  env.Set("HF_HUB_OFFLINE", "1");
  RunResult offline = RunPhotoidx("embed --model tiny/clip" + args);
  ASSERT_EQ(offline.exit_code, 0) << offline.err;
  EXPECT_EQ(FirstLine(offline.out)["embedding"], a["embedding"]);
  EXPECT_EQ(offline.err.find("downloaded"), std::string::npos) << offline.err;
  EXPECT_EQ(server.request_count(), requests);

  env.Set("HF_HUB_CACHE", tmp.Join("empty"));
  RunResult missing = RunPhotoidx("embed --model tiny/clip" + args);
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
  EXPECT_NE(missing.err.find("HF_HUB_OFFLINE"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find(server.endpoint() + "/tiny/clip/resolve/main/"), std::string::npos)
      << missing.err;
  EXPECT_EQ(server.request_count(), requests);
}

}  // namespace
}  // namespace photoidx::test
