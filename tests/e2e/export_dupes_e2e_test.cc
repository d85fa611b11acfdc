// `photoidx export` and `photoidx dupes` end to end, on copies of tests/data
// images (plus exact copies, one under a name that is not UTF-8).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/base/strings.h"
#include "tests/e2e/e2e_util.h"
#include "tests/testutil.h"

namespace photoidx::test {
namespace {

namespace fsys = std::filesystem;

class ExportDupesE2ETest : public ::testing::Test {
 protected:
  void SetUp() override {
    lib_ = tmp_.Join("photos");
    fsys::create_directories(lib_);
    for (const char* sub : {"jpeg", "png"}) {
      fsys::copy(DataPath(std::string("images/") + sub), lib_ + "/" + sub,
                 fsys::copy_options::recursive);
    }
    copy_ = lib_ + "/copy of no_exif.jpg";
    fsys::copy(lib_ + "/jpeg/no_exif.jpg", copy_);
    odd_ = lib_ + "/odd \xff\xfe name.png";
    fsys::copy(lib_ + "/png/photo_rgb8.png", odd_);
    index_ = tmp_.Join("index.db");
  }

  // Builds, returns the present paths (every file but the reported failures), sorted.
  std::vector<std::string> Build(const std::string& flags) {
    RunResult r = RunPhotoidx("build " + Quote(lib_) + " --index " + Quote(index_) + " --json " +
                              flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    std::set<std::string> failed;
    if (j.is_object()) {
      for (const auto& f : j["failures"]) failed.insert(f["path"].get<std::string>());
    }
    std::vector<std::string> present;
    for (const auto& e : fsys::recursive_directory_iterator(lib_)) {
      if (e.is_regular_file() && failed.count(e.path().string()) == 0) {
        present.push_back(e.path().string());
      }
    }
    std::sort(present.begin(), present.end());  // byte order, as the index sorts
    return present;
  }

  std::vector<nlohmann::json> Lines(const std::string& out) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << line;
      lines.push_back(j);
    }
    return lines;
  }

  // The exact path of a JSON object written by SetPath().
  static std::string Rendered(const std::string& raw) {
    return IsValidUtf8(raw) ? raw : Base64Encode(raw);
  }
  static std::string RenderedOf(const nlohmann::json& j) {
    return j.contains("path_b64") ? j["path_b64"].get<std::string>() : j["path"].get<std::string>();
  }

  ScopedTempDir tmp_;
  std::string lib_, index_, copy_, odd_;
};

TEST_F(ExportDupesE2ETest, ExportIsValidNdjsonForEveryPresentFile) {
  const std::vector<std::string> present = Build("--no-embeddings --no-captions");
  ASSERT_GT(present.size(), 10u);
  RunResult r = RunPhotoidx("export --index " + Quote(index_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<nlohmann::json> lines = Lines(r.out);
  ASSERT_EQ(lines.size(), present.size());
  std::map<std::string, std::string> sha_of;
  for (size_t i = 0; i < lines.size(); ++i) {
    const nlohmann::json& j = lines[i];
    ASSERT_EQ(RenderedOf(j), Rendered(present[i])) << i;  // every file, sorted by bytes
    EXPECT_EQ(j["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(j["size"].get<uint64_t>(), fsys::file_size(present[i])) << present[i];
    EXPECT_GT(j["width"].get<int>(), 0);
    EXPECT_GT(j["height"].get<int>(), 0);
    for (const char* k : {"format", "orientation", "date_taken", "make", "model", "lens", "gps"}) {
      EXPECT_TRUE(j.contains(k)) << k;
    }
    EXPECT_TRUE(j["captions"].is_object() && j["captions"].empty());
    EXPECT_FALSE(j.contains("embeddings"));
    sha_of[present[i]] = j["sha256"];
  }
  // The name that is not UTF-8: U+FFFD in path, the exact bytes in path_b64.
  auto odd = std::find(present.begin(), present.end(), odd_) - present.begin();
  ASSERT_LT(size_t(odd), present.size());
  EXPECT_EQ(lines[size_t(odd)]["path_b64"], Base64Encode(odd_));
  EXPECT_NE(lines[size_t(odd)]["path"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos);
  EXPECT_EQ(sha_of[odd_], sha_of[lib_ + "/png/photo_rgb8.png"]);
  // Metadata comes through: the Canon EOS 20D sample and the GPS sample.
  for (const auto& j : lines) {
    if (j["path"] == lib_ + "/jpeg/exif_rich_canon_eos20d.jpg") {
      EXPECT_EQ(j["make"], "Canon");
      EXPECT_EQ(j["format"], "jpeg");
    }
    if (j["path"] == lib_ + "/jpeg/progressive_gps.jpg") {
      EXPECT_TRUE(j["gps"].is_object()) << j.dump();
    }
  }
}

TEST_F(ExportDupesE2ETest, DupesFindsTheExactCopies) {
  Build("--no-embeddings --no-captions");
  // The reference: files of one sha256 per export.
  std::map<std::string, std::vector<std::string>> by_sha;
  for (const auto& j : Lines(RunPhotoidx("export --index " + Quote(index_)).out)) {
    by_sha[j["sha256"]].push_back(RenderedOf(j));
  }
  std::set<std::vector<std::string>> expected;
  for (auto& [sha, paths] : by_sha) {
    if (paths.size() > 1) expected.insert(paths);
  }
  ASSERT_GE(expected.size(), 2u);

  RunResult r = RunPhotoidx("dupes --json --index " + Quote(index_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  std::set<std::vector<std::string>> got;
  bool copy_found = false, odd_found = false;
  for (const auto& g : j["groups"]) {
    EXPECT_EQ(g["kind"], "exact");
    EXPECT_TRUE(g["max_score"].is_null());
    std::vector<std::string> paths;
    std::vector<std::string> raws;
    std::vector<uint8_t> first_bytes;
    for (const auto& f : g["files"]) {
      paths.push_back(RenderedOf(f));
      // Same bytes on disk: the grouping is not taken on trust. (odd_ is
      // the only name that is not UTF-8.)
      const std::string raw = f.contains("path_b64") ? odd_ : f["path"].get<std::string>();
      raws.push_back(raw);
      if (first_bytes.empty()) first_bytes = ReadFileBytes(raw);
      else EXPECT_EQ(ReadFileBytes(raw), first_bytes) << raw;
      EXPECT_EQ(f["sha256"], g["files"][0]["sha256"]);
      copy_found |= f["path"] == copy_;
      odd_found |= f.contains("path_b64") && f["path_b64"] == Base64Encode(odd_);
    }
    EXPECT_TRUE(std::is_sorted(raws.begin(), raws.end()));
    got.insert(paths);
  }
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(copy_found);
  EXPECT_TRUE(odd_found);

  // NDJSON: the same groups, one a line; the table names both copies.
  RunResult nd = RunPhotoidx("dupes --ndjson --index " + Quote(index_));
  ASSERT_EQ(nd.exit_code, 0);
  EXPECT_EQ(Lines(nd.out).size(), got.size());
  RunResult table = RunPhotoidx("dupes --index " + Quote(index_));
  EXPECT_NE(table.out.find(copy_), std::string::npos) << table.out;

  // After deleting the copy and rebuilding, that group is gone.
  fsys::remove(copy_);
  Build("--no-embeddings --no-captions");
  nlohmann::json after = nlohmann::json::parse(RunPhotoidx("dupes --json --index " + Quote(index_)).out);
  EXPECT_EQ(after["groups"].size(), got.size() - 1);
}

TEST_F(ExportDupesE2ETest, NearWithoutEmbeddingsExitsFourAndBadFlagsTwo) {
  Build("--no-embeddings --no-captions");
  RunResult r = RunPhotoidx("dupes --near --index " + Quote(index_));
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(RunPhotoidx("dupes --near --threshold 1.5 --index " + Quote(index_)).exit_code, 2);
  EXPECT_EQ(RunPhotoidx("dupes --json --ndjson --index " + Quote(index_)).exit_code, 2);
  EXPECT_EQ(RunPhotoidx("dupes --index " + Quote(tmp_.Join("none.db"))).exit_code, 2);
  EXPECT_EQ(RunPhotoidx("export --index " + Quote(tmp_.Join("none.db"))).exit_code, 2);
  EXPECT_EQ(RunPhotoidx("export --caption-model nope --index " + Quote(index_)).exit_code, 2);
}

// Near duplicates and exported embeddings with the tiny CLIP model (needs
// the libtorch plugin to build the embeddings).
TEST_F(ExportDupesE2ETest, NearDupesAndEmbeddingsWithTinyClip) {
  if (!fsys::exists(fsys::path(PHOTOIDX_BIN).parent_path() / "libphotoidx_models.so")) {
    GTEST_SKIP() << "built without the model plugin (PHOTOIDX_WITH_TORCH off)";
  }
  const std::string model = DataPath("models/clip-tiny-quickgelu");
  const std::vector<std::string> present =
      Build("--no-captions --device cpu --dtype fp32 --clip-model " + Quote(model));

  // Threshold -1 links every pair: one near group holding every present
  // file, next to the exact groups.
  RunResult all = RunPhotoidx("dupes --near --threshold -1 --json --index " + Quote(index_));
  ASSERT_EQ(all.exit_code, 0) << all.err;
  nlohmann::json j = nlohmann::json::parse(all.out);
  EXPECT_EQ(j["model"].get<std::string>().size(), 64u);
  EXPECT_DOUBLE_EQ(j["threshold"].get<double>(), -1.0);
  int near = 0;
  for (const auto& g : j["groups"]) {
    if (g["kind"] != "near") continue;
    ++near;
    EXPECT_EQ(g["files"].size(), present.size());
    EXPECT_LE(g["min_score"].get<double>(), g["max_score"].get<double>());
    EXPECT_LE(g["max_score"].get<double>(), 1.0);
  }
  EXPECT_EQ(near, 1);

  // Default threshold: the exact groups are there whatever the near ones are.
  RunResult def = RunPhotoidx("dupes --near --json --index " + Quote(index_) + " --clip-model " +
                              Quote(model));
  ASSERT_EQ(def.exit_code, 0) << def.err;
  bool copy_found = false;
  const nlohmann::json def_json = nlohmann::json::parse(def.out);
  for (const auto& g : def_json["groups"]) {
    for (const auto& f : g["files"]) copy_found |= g["kind"] == "exact" && f["path"] == copy_;
  }
  EXPECT_TRUE(copy_found) << def.out;

  // export --embeddings: one unit vector per file under the model's
  // fingerprint, identical for the two copies.
  RunResult ex = RunPhotoidx("export --embeddings --index " + Quote(index_));
  ASSERT_EQ(ex.exit_code, 0) << ex.err;
  std::map<std::string, std::vector<float>> vec_of;
  for (const auto& line : Lines(ex.out)) {
    ASSERT_EQ(line["embeddings"].size(), 1u);
    std::vector<float> v = line["embeddings"].begin()->get<std::vector<float>>();
    double norm2 = 0;
    for (float x : v) norm2 += double(x) * x;
    EXPECT_NEAR(norm2, 1.0, 1e-4);
    vec_of[RenderedOf(line)] = v;
  }
  EXPECT_EQ(vec_of.size(), present.size());
  EXPECT_EQ(vec_of[copy_], vec_of[lib_ + "/jpeg/no_exif.jpg"]);
}

}  // namespace
}  // namespace photoidx::test
