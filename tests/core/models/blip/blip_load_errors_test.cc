// Malformed BLIP folders give one clear Status from LoadBlipCaptioner,
// before any weight is converted: missing files, a missing or mis-shaped
// tensor, an unexpected tensor, bad configs. Each case is a copy of
// blip-tiny in a temporary folder with one thing broken.
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/models/blip/blip_model.h"
#include "tests/core/models/blip/blip_test_util.h"

namespace photoidx::models::blip {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadText(const std::string& path) {
  std::vector<uint8_t> b = photoidx::test::ReadFileBytes(path);
  return std::string(b.begin(), b.end());
}

// A safetensors file split into its JSON header and its data section.
struct SafetensorsParts {
  json header;
  std::string data;
};

SafetensorsParts ReadSafetensors(const std::string& path) {
  std::string bytes = ReadText(path);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  return {json::parse(bytes.substr(8, n)), bytes.substr(8 + n)};
}

void WriteSafetensors(const std::string& path, const SafetensorsParts& parts) {
  std::string header = parts.header.dump();
  header.append((8 - header.size() % 8) % 8, ' ');
  uint64_t n = header.size();
  std::string out(reinterpret_cast<const char*>(&n), 8);
  WriteFile(path, out + header + parts.data);
}

class BlipLoadErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& entry : fs::directory_iterator(test::BlipTinyDir())) {
      fs::copy_file(entry.path(), dir_.Join(entry.path().filename().string()));
      fs::permissions(dir_.Join(entry.path().filename().string()), fs::perms::owner_write,
                      fs::perm_options::add);
    }
  }
  std::string Path(const std::string& name) const { return dir_.Join(name); }

  Status Load() {
    ModelOptions o{.model = dir_.path(), .device = Device::kCpu, .dtype = DType::kFp32,
                   .threads = 1};
    auto r = LoadBlipCaptioner(o);
    return r.ok() ? Status::OK() : r.status();
  }
  void EditWeights(const std::function<void(SafetensorsParts*)>& edit) {
    SafetensorsParts parts = ReadSafetensors(Path("model.safetensors"));
    edit(&parts);
    WriteSafetensors(Path("model.safetensors"), parts);
  }
  void EditConfig(const std::function<void(json*)>& edit) {
    json config = json::parse(ReadText(Path("config.json")));
    edit(&config);
    WriteFile(Path("config.json"), config.dump(2));
  }

  photoidx::test::ScopedTempDir dir_;
};

TEST_F(BlipLoadErrorsTest, IntactCopyLoads) { EXPECT_OK(Load()); }

TEST_F(BlipLoadErrorsTest, MissingFolderIsNotFound) {
  ModelOptions o{.model = dir_.Join("nope/"), .device = Device::kCpu, .dtype = DType::kFp32};
  auto r = LoadBlipCaptioner(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
}

TEST_F(BlipLoadErrorsTest, MissingFilesAreNotFound) {
  for (const std::string name : {"config.json", "model.safetensors", "preprocessor_config.json",
                                 "vocab.txt"}) {
    fs::rename(Path(name), Path(name + ".away"));
    Status st = Load();
    EXPECT_TRUE(st.IsNotFound()) << name << ": " << st.ToString();
    EXPECT_NE(st.message().find(name), std::string::npos) << st.ToString();
    fs::rename(Path(name + ".away"), Path(name));
  }
}

TEST_F(BlipLoadErrorsTest, MissingTensorIsNamed) {
  const std::string gone = "text_decoder.cls.predictions.decoder.weight";
  EditWeights([&](SafetensorsParts* p) { p->header.erase(gone); });
  Status st = Load();
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("missing"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find(gone), std::string::npos) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, WrongShapeIsNamed) {
  // Same bytes, transposed shape: a valid file with the wrong layout.
  const std::string name = "text_decoder.bert.encoder.layer.1.output.dense.weight";
  EditWeights([&](SafetensorsParts* p) { p->header[name]["shape"] = {96, 24}; });
  Status st = Load();
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find(name + " has shape [96, 24], expected [24, 96]"), std::string::npos)
      << st.ToString();
}

TEST_F(BlipLoadErrorsTest, UnexpectedTensorIsNamed) {
  EditWeights([](SafetensorsParts* p) {
    const size_t begin = p->data.size();
    p->data.append(48 * 4, '\0');
    p->header["vision_model.extra.bias"] = {
        {"dtype", "F32"}, {"shape", {48}}, {"data_offsets", {begin, begin + 48 * 4}}};
  });
  Status st = Load();
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("unexpected"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("vision_model.extra.bias"), std::string::npos) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, ConfigNotMatchingWeightsListsEveryMismatch) {
  EditConfig([](json* c) { (*c)["text_config"]["num_hidden_layers"] = 3; });
  Status st = Load();
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.message().find("26 missing"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("text_decoder.bert.encoder.layer.2.attention.self.query.weight"),
            std::string::npos) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, UnsupportedActivationIsNotSupported) {
  EditConfig([](json* c) { (*c)["text_config"]["hidden_act"] = "relu"; });
  Status st = Load();
  EXPECT_TRUE(st.IsNotSupported()) << st.ToString();
  EXPECT_NE(st.message().find("relu"), std::string::npos) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, HeadsNotDividingHiddenIsInvalidArgument) {
  EditConfig([](json* c) { (*c)["vision_config"]["num_attention_heads"] = 5; });
  Status st = Load();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("num_attention_heads"), std::string::npos) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, WrongTypeInConfigIsInvalidArgument) {
  EditConfig([](json* c) { (*c)["vision_config"]["hidden_size"] = "wide"; });
  Status st = Load();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("hidden_size"), std::string::npos) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, MalformedConfigJsonIsInvalidArgument) {
  WriteFile(Path("config.json"), "{\"text_config\": {");
  Status st = Load();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, NotABlipConfigIsNotSupported) {
  EditConfig([](json* c) { (*c)["model_type"] = "clip"; });
  Status st = Load();
  EXPECT_TRUE(st.IsNotSupported()) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, PreprocessorSizeNotMatchingVisionIsInvalidArgument) {
  WriteFile(Path("preprocessor_config.json"),
            R"({"image_processor_type": "BlipImageProcessor", "size": 224})");
  Status st = Load();
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("224"), std::string::npos) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, TruncatedWeightsAreCorruption) {
  std::string bytes = ReadText(Path("model.safetensors"));
  WriteFile(Path("model.safetensors"), bytes.substr(0, bytes.size() / 2));
  Status st = Load();
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
}

TEST_F(BlipLoadErrorsTest, Fp16OnCpuIsInvalidArgument) {
  ModelOptions o{.model = dir_.path(), .device = Device::kCpu, .dtype = DType::kFp16};
  auto r = LoadBlipCaptioner(o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

}  // namespace
}  // namespace photoidx::models::blip
