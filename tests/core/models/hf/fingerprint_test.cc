#include "core/models/hf/fingerprint.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/testutil.h"

namespace photoidx::models::hf {
namespace {

namespace fs = std::filesystem;
using test::DataPath;

// A model folder with a copy of the tiny CLIP model's config and weights.
std::string CopyModel(const test::ScopedTempDir& dir, const std::string& name) {
  const fs::path d = fs::path(dir.path()) / name;
  fs::create_directories(d);
  for (const char* f : {"config.json", "model.safetensors"}) {
    fs::copy_file(DataPath(std::string("models/clip-tiny-quickgelu/") + f), d / f);
  }
  return d.string();
}

timespec MTime(const std::string& path) {
  struct stat st;
  stat(path.c_str(), &st);
  return st.st_mtim;
}

void SetMTime(const std::string& path, timespec t) {
  timespec times[2] = {t, t};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

// Overwrites one byte in place (same size).
void FlipByte(const std::string& path, std::streamoff at) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  char c = 0;
  f.get(c);
  f.seekp(at);
  f.put(char(c ^ 0x5a));
}

TEST(FingerprintTest, SameContentElsewhereGivesSameDigest) {
  test::ScopedTempDir dir;
  auto a = ModelFingerprint(CopyModel(dir, "a"), {});
  auto b = ModelFingerprint(CopyModel(dir, "b"), {});
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_EQ(a->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(*a, *b);
  auto original = ModelFingerprint(DataPath("models/clip-tiny-quickgelu"), {});
  ASSERT_OK(original.status());
  EXPECT_EQ(*original, *a);
  auto other = ModelFingerprint(DataPath("models/clip-tiny-gelu-fp16"), {});
  ASSERT_OK(other.status());
  EXPECT_NE(*other, *a);
}

TEST(FingerprintTest, ChangedWeightsOrConfigChangeTheDigest) {
  test::ScopedTempDir dir;
  const std::string m = CopyModel(dir, "m");
  auto before = ModelFingerprint(m, {});
  ASSERT_OK(before.status());
  FlipByte(m + "/model.safetensors", 5000);
  auto weights_changed = ModelFingerprint(m, {});
  ASSERT_OK(weights_changed.status());
  EXPECT_NE(*weights_changed, *before);
  FlipByte(m + "/config.json", 10);
  auto config_changed = ModelFingerprint(m, {});
  ASSERT_OK(config_changed.status());
  EXPECT_NE(*config_changed, *weights_changed);
}

// The cache is trusted while size and mtime match: changing the content but
// restoring the mtime returns the remembered digest, which proves the second
// call did not re-hash. Touching the file invalidates the entry.
TEST(FingerprintTest, CacheAvoidsRehashing) {
  test::ScopedTempDir dir;
  const std::string m = CopyModel(dir, "m");
  FingerprintOptions opt;
  opt.cache_path = dir.Join("cache/photoidx/fingerprints.json");
  auto first = ModelFingerprint(m, opt);
  ASSERT_OK(first.status());
  ASSERT_TRUE(fs::exists(opt.cache_path));

  const std::string weights = m + "/model.safetensors";
  const timespec t = MTime(weights);
  FlipByte(weights, 5000);
  SetMTime(weights, t);
  auto cached = ModelFingerprint(m, opt);
  ASSERT_OK(cached.status());
  EXPECT_EQ(*cached, *first);  // not re-hashed
  auto uncached = ModelFingerprint(m, {});
  ASSERT_OK(uncached.status());
  EXPECT_NE(*uncached, *first);  // the content did change

  SetMTime(weights, timespec{t.tv_sec + 10, t.tv_nsec});
  auto rehashed = ModelFingerprint(m, opt);
  ASSERT_OK(rehashed.status());
  EXPECT_EQ(*rehashed, *uncached);
}

TEST(FingerprintTest, CorruptCacheIsIgnoredAndRewritten) {
  test::ScopedTempDir dir;
  const std::string m = CopyModel(dir, "m");
  FingerprintOptions opt;
  opt.cache_path = dir.Join("fp.json");
  std::ofstream(opt.cache_path) << "{not json";
  auto r = ModelFingerprint(m, opt);
  ASSERT_OK(r.status());
  auto plain = ModelFingerprint(m, {});
  ASSERT_OK(plain.status());
  EXPECT_EQ(*r, *plain);
  std::ifstream in(opt.cache_path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(text.find(*plain), std::string::npos);
}

TEST(FingerprintTest, MissingFiles) {
  test::ScopedTempDir dir;
  EXPECT_TRUE(ModelFingerprint(dir.path(), {}).status().IsNotFound());
  const std::string m = CopyModel(dir, "m");
  fs::remove(m + "/model.safetensors");
  Status s = ModelFingerprint(m, {}).status();
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(s.ToString().find("model.safetensors"), std::string::npos);
}

}  // namespace
}  // namespace photoidx::models::hf
