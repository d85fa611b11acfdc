// Broken model folders for the torch-free text tower: each gives one clear
// error naming the problem, at load. And the other side of "text only":
// a folder whose vision tensors are broken still loads and embeds exactly.
// Folders are writable copies of tests/data/models/clip-tiny-* in a
// ScopedTempDir, edited through the safetensors JSON header.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/models/clip_cpu/clip_text_cpu.h"
#include "tests/model_copy.h"
#include "tests/testutil.h"

namespace photoidx::models::clip_cpu {
namespace {

using photoidx::test::ReadFileBytes;
using photoidx::test::ScopedTempDir;
using Json = nlohmann::json;

using photoidx::test::ModelCopy;
using photoidx::test::WriteBytes;

Status LoadStatus(const ModelCopy& m) {
  auto r = ClipTextCpu::Load(m.path(), ModelInfo{}, 1);
  return r.ok() ? Status::OK() : r.status();
}

// The error is a Corruption naming the file and every `needles`.
void ExpectCorruption(const Status& st, const std::vector<std::string>& needles) {
  ASSERT_FALSE(st.ok());
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.ToString().find("model.safetensors"), std::string::npos) << st.ToString();
  for (const std::string& n : needles) {
    EXPECT_NE(st.ToString().find(n), std::string::npos) << "'" << n << "' in " << st.ToString();
  }
}

TEST(ClipTextCpuErrorsTest, MissingTextTensorIsNamed) {
  ModelCopy m("clip-tiny-quickgelu");
  m.EditHeader([](Json& h) {
    h.erase("text_model.final_layer_norm.bias");
    h.erase("text_model.encoder.layers.1.mlp.fc2.weight");
  });
  ExpectCorruption(LoadStatus(m), {"2 missing tensor(s)", "text_model.final_layer_norm.bias",
                                   "text_model.encoder.layers.1.mlp.fc2.weight"});
}

TEST(ClipTextCpuErrorsTest, WrongShapeIsNamed) {
  ModelCopy m("clip-tiny-quickgelu");
  m.EditHeader([](Json& h) { h["text_projection.weight"]["shape"] = {40, 32}; });
  ExpectCorruption(LoadStatus(m),
                   {"wrong shape", "text_projection.weight has shape [40, 32], expected [32, 40]"});
}

TEST(ClipTextCpuErrorsTest, WrongDtypeIsNamed) {
  ModelCopy m("clip-tiny-quickgelu");
  // I32 has the width of F32: the header stays consistent with the data.
  m.EditHeader([](Json& h) { h["text_model.encoder.layers.0.layer_norm1.weight"]["dtype"] = "I32"; });
  ExpectCorruption(LoadStatus(m), {"wrong dtype", "text_model.encoder.layers.0.layer_norm1.weight is I32"});
}

TEST(ClipTextCpuErrorsTest, UnexpectedTextTensorIsNamed) {
  ModelCopy m("clip-tiny-gelu-fp16");
  m.EditHeader([](Json& h) {
    // Empty, so that it overlaps nothing: the file stays valid.
    h["text_model.encoder.layers.7.mlp.fc1.bias"] = {
        {"dtype", "F16"}, {"shape", {0}}, {"data_offsets", {0, 0}}};
  });
  ExpectCorruption(LoadStatus(m), {"1 unexpected tensor(s)", "text_model.encoder.layers.7.mlp.fc1.bias"});
}

TEST(ClipTextCpuErrorsTest, TruncatedFileIsCorruption) {
  ModelCopy m("clip-tiny-quickgelu");
  std::vector<uint8_t> bytes = ReadFileBytes(m.File("model.safetensors"));
  bytes.resize(bytes.size() / 2);
  WriteBytes(m.File("model.safetensors"), bytes);
  ExpectCorruption(LoadStatus(m), {});
}

TEST(ClipTextCpuErrorsTest, MissingFilesAreNotFound) {
  for (const char* file : {"model.safetensors", "config.json", "vocab.json"}) {
    ModelCopy m("clip-tiny-quickgelu");
    std::filesystem::remove(m.File(file));
    Status st = LoadStatus(m);
    EXPECT_TRUE(st.IsNotFound()) << file << ": " << st.ToString();
    EXPECT_NE(st.ToString().find(file), std::string::npos) << st.ToString();
  }
}

TEST(ClipTextCpuErrorsTest, UnknownActivationIsNotSupported) {
  ModelCopy m("clip-tiny-quickgelu");
  std::ifstream in(m.File("config.json"));
  Json config = Json::parse(in);
  config["text_config"]["hidden_act"] = "silu";
  std::string text = config.dump(2);
  WriteBytes(m.File("config.json"), std::vector<uint8_t>(text.begin(), text.end()));
  Status st = LoadStatus(m);
  EXPECT_TRUE(st.IsNotSupported()) << st.ToString();
  EXPECT_NE(st.ToString().find("silu"), std::string::npos) << st.ToString();
}

// Only the text tower is read: vision tensors that are missing, mis-shaped
// and mis-typed do not stop it, and its output is unchanged.
TEST(ClipTextCpuErrorsTest, BrokenVisionTensorsAreNotRead) {
  const std::vector<std::string> texts = {"a dog playing in the snow", "sunset over the ocean"};
  for (const char* name : {"clip-tiny-quickgelu", "clip-tiny-gelu-fp16"}) {
    const std::string model = name;
    auto good = ClipTextCpu::Load(photoidx::test::DataPath("models/" + model), ModelInfo{}, 1);
    ASSERT_TRUE(good.ok()) << good.status().ToString();
    auto want = (*good)->EmbedTexts(texts);
    ASSERT_TRUE(want.ok());

    ModelCopy m(model);
    m.EditHeader([](Json& h) {
      std::vector<std::string> vision;
      for (const auto& item : h.items()) {
        if (item.key().rfind("vision_model.", 0) == 0) vision.push_back(item.key());
      }
      ASSERT_GT(vision.size(), 3u);
      h.erase(vision[0]);
      Json& small = h[vision[1]];  // one element: a wrong shape
      const int64_t begin = small["data_offsets"][0].get<int64_t>();
      small["shape"] = {1};
      small["data_offsets"][1] = begin + (small["dtype"] == "F32" ? 4 : 2);
      Json& bytes = h[vision[2]];  // raw bytes: a wrong dtype
      bytes["shape"] = {bytes["data_offsets"][1].get<int64_t>() -
                        bytes["data_offsets"][0].get<int64_t>()};
      bytes["dtype"] = "U8";
      h.erase("logit_scale");
    });
    auto tower = ClipTextCpu::Load(m.path(), ModelInfo{}, 1);
    ASSERT_TRUE(tower.ok()) << model << ": " << tower.status().ToString();
    auto got = (*tower)->EmbedTexts(texts);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, *want) << model;
  }
}

}  // namespace
}  // namespace photoidx::models::clip_cpu
