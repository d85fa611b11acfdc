// Broken model folders: each one must give one clear error that names the
// problem, from the loader, before any tensor is converted or any forward
// runs. The folders are built in a ScopedTempDir from the good fixture
// files of tests/data/models/clip-tiny-quickgelu (float32) and
// clip-tiny-gelu-fp16 (float16, diff-style config).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/models/clip/clip_model.h"
#include "tests/core/models/clip/clip_test_util.h"
#include "tests/model_copy.h"

namespace photoidx::models::clip {
namespace {

using photoidx::test::ReadFileBytes;
using photoidx::test::ScopedTempDir;
using Json = nlohmann::json;

// A writable copy of a fixture model folder (the originals are read-only).
using BrokenModel = photoidx::test::ModelCopy;
using photoidx::test::WriteBytes;
using photoidx::test::WriteText;

ModelOptions Options(const BrokenModel& m) {
  return ModelOptions{
      .model = m.path(), .device = Device::kCpu, .dtype = DType::kFp32, .threads = 0};
}

// Both factories must refuse the folder with `code` and a message holding
// every string of `needles`.
void ExpectRefused(const BrokenModel& m, Status::Code code,
                   const std::vector<std::string>& needles) {
  auto image = LoadClipImageEmbedder(Options(m));
  auto text = LoadClipTextEmbedder(Options(m));
  for (const Status& s : {image.status(), text.status()}) {
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), code) << s.ToString();
    for (const std::string& n : needles)
      EXPECT_NE(s.message().find(n), std::string::npos) << s.ToString();
  }
}

class ClipBrokenModelTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClipBrokenModelTest, MissingTensorIsNamed) {
  BrokenModel m(GetParam());
  m.EditHeader([](Json& h) {
    h.erase("vision_model.encoder.layers.1.mlp.fc1.bias");
    h.erase("text_model.final_layer_norm.weight");
  });
  ExpectRefused(m, Status::Code::kCorruption,
                {"2 missing tensor(s)", "vision_model.encoder.layers.1.mlp.fc1.bias",
                 "text_model.final_layer_norm.weight"});
}

TEST_P(ClipBrokenModelTest, UnexpectedTensorIsNamed) {
  BrokenModel m(GetParam());
  m.EditHeader([](Json& h) {
    // An empty tensor at the end of the data section (valid safetensors).
    uint64_t end = 0;
    for (const auto& [name, t] : h.items()) {
      if (name != "__metadata__") end = std::max(end, t["data_offsets"][1].get<uint64_t>());
    }
    h["text_model.extra.weight"] = {{"dtype", "F32"}, {"shape", {0}}, {"data_offsets", {end, end}}};
  });
  ExpectRefused(m, Status::Code::kCorruption, {"unexpected tensor(s): text_model.extra.weight"});
}

TEST_P(ClipBrokenModelTest, WrongShapeIsNamed) {
  BrokenModel m(GetParam());
  std::vector<int64_t> shape;
  m.EditHeader([&](Json& h) {
    Json& t = h["vision_model.encoder.layers.0.mlp.fc1.weight"];  // [F, H] -> [H, F]: same bytes
    shape = t["shape"].get<std::vector<int64_t>>();
    t["shape"] = {shape[1], shape[0]};
  });
  ExpectRefused(m, Status::Code::kCorruption,
                {"wrong shape", "vision_model.encoder.layers.0.mlp.fc1.weight has shape [" +
                                    std::to_string(shape[1]) + ", " + std::to_string(shape[0]) +
                                    "], expected [" + std::to_string(shape[0]) + ", " +
                                    std::to_string(shape[1]) + "]"});
}

TEST_P(ClipBrokenModelTest, IntegerTensorWhereFloatExpectedIsNamed) {
  BrokenModel m(GetParam());
  m.EditHeader([](Json& h) {
    // I64 over the same bytes: half the elements of an F32 tensor, a
    // quarter of an F16 one.
    Json& t = h["text_projection.weight"];
    auto shape = t["shape"].get<std::vector<int64_t>>();
    int64_t div = t["dtype"] == "F32" ? 2 : 4;
    t["dtype"] = "I64";
    t["shape"] = {shape[0], shape[1] / div};
  });
  ExpectRefused(m, Status::Code::kCorruption,
                {"wrong dtype", "text_projection.weight is I64, expected a floating-point type"});
}

TEST_P(ClipBrokenModelTest, TruncatedSafetensorsIsCorruption) {
  BrokenModel m(GetParam());
  std::vector<uint8_t> bytes = ReadFileBytes(m.File("model.safetensors"));
  bytes.resize(bytes.size() / 2);
  WriteBytes(m.File("model.safetensors"), bytes);
  ExpectRefused(m, Status::Code::kCorruption, {"model.safetensors"});
}

TEST_P(ClipBrokenModelTest, OffsetsPastTheEndAreCorruption) {
  BrokenModel m(GetParam());
  m.EditHeader([](Json& h) {
    Json& t = h["vision_model.post_layernorm.bias"];
    uint64_t begin = t["data_offsets"][0];
    t["data_offsets"] = {begin + (1u << 30), begin + (1u << 30) + 4 * 64};
  });
  ExpectRefused(m, Status::Code::kCorruption, {"vision_model.post_layernorm.bias"});
}

TEST_P(ClipBrokenModelTest, BadJsonInConfigIsInvalidArgument) {
  BrokenModel m(GetParam());
  WriteText(m.File("config.json"), "{\"text_config\": {\"hidden_size\": 32,,}");
  ExpectRefused(m, Status::Code::kInvalidArgument, {"config.json"});
}

TEST_P(ClipBrokenModelTest, UnsupportedHiddenActIsNamed) {
  BrokenModel m(GetParam());
  m.EditConfig([](Json& c) { c["vision_config"]["hidden_act"] = "gelu_new"; });
  ExpectRefused(m, Status::Code::kNotSupported, {"vision_config.hidden_act", "'gelu_new'"});
}

TEST_P(ClipBrokenModelTest, MissingWeightsFileIsNotFound) {
  BrokenModel m(GetParam());
  std::filesystem::remove(m.File("model.safetensors"));
  ExpectRefused(m, Status::Code::kNotFound, {"model.safetensors"});
}

TEST_P(ClipBrokenModelTest, ConfigDisagreeingWithWeightsIsCaught) {
  // A layer more in the config than in the file: the layer's keys are missing.
  BrokenModel m(GetParam());
  m.EditConfig([](Json& c) {
    int64_t layers = c["text_config"].value("num_hidden_layers", int64_t{12});
    c["text_config"]["num_hidden_layers"] = layers + 1;
  });
  ExpectRefused(m, Status::Code::kCorruption, {"missing tensor(s)", "text_model.encoder.layers."});
}

INSTANTIATE_TEST_SUITE_P(SharedModels, ClipBrokenModelTest, test::ClipModels(),
                         test::ModelTestName);

}  // namespace
}  // namespace photoidx::models::clip
