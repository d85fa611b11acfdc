// Helpers for the BLIP model tests: the shared tiny checkpoint
// (tests/data/models/blip-tiny), its reference outputs
// (tests/data/reference/blip-tiny.*, copied from ../shared/fixtures; see
// PROVENANCE.md there) and the six reference images.
#ifndef PHOTOIDX_TESTS_CORE_MODELS_BLIP_BLIP_TEST_UTIL_H_
#define PHOTOIDX_TESTS_CORE_MODELS_BLIP_BLIP_TEST_UTIL_H_

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/image/image.h"
#include "core/models/blip/blip_generator.h"
#include "core/models/hf/preprocessor_config.h"
#include "core/models/hf/safetensors.h"
#include "core/models/preprocess/preprocess.h"
#include "core/models/torch/device.h"
#include "core/models/torch/state_dict.h"
#include "tests/core/models/torch/tensor_file.h"
#include "tests/core/models/torch/test_device.h"
#include "tests/testutil.h"

namespace photoidx::models::blip::test {

inline std::string BlipTinyDir() { return photoidx::test::DataPath("models/blip-tiny"); }

// The reference images in fixture order (index 0..5).
inline const std::vector<std::string>& ReferenceImages() {
  static const std::vector<std::string> names = {
      "rocket_landscape.jpg", "man_portrait.jpg",  "text_wide_gray.png",
      "hopper_small.jpg",     "children_rgba.png", "wolf_gray.jpg"};
  return names;
}

inline std::string ReferenceImagePath(size_t i) {
  return photoidx::test::DataPath("reference/images/" + ReferenceImages()[i]);
}

using models::test::TensorFile;

inline TensorFile Expected() {
  return TensorFile(photoidx::test::DataPath("reference/blip-tiny.expected.safetensors"));
}

inline nlohmann::json ReadJson(const std::string& relative) {
  std::ifstream in(photoidx::test::DataPath(relative));
  EXPECT_TRUE(in.good()) << relative;
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
}

// The float32 CPU parity model. One intra-op thread: the tiny model's ops
// are far too small to gain from more, and OpenMP barriers on a busy
// machine cost more than the ops.
inline std::unique_ptr<BlipGenerator> LoadTinyFp32() {
  torchutil::SetTorchThreads(1);
  auto r = BlipGenerator::LoadDir(BlipTinyDir(), models::test::TestDevice(), at::kFloat);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : nullptr;
}

// The reference images decoded by core/image (upright RGB8), in order.
inline const std::vector<image::Image>& ReferenceRgbImages() {
  static const std::vector<image::Image> images = [] {
    image::InitImageLibraries();
    std::vector<image::Image> out;
    for (size_t i = 0; i < ReferenceImages().size(); ++i) {
      auto d = image::DecodeFile(ReferenceImagePath(i));
      EXPECT_TRUE(d.ok()) << d.status().ToString();
      out.push_back(d.ok() ? d->image : image::Image{});
    }
    return out;
  }();
  return images;
}

// pixel_values [6, 3, 384, 384] of the six reference images, made by the
// C++ decoder + BlipImageProcessor port (bit-exact with transformers'
// blip-384.pixel_values, checked by the preprocess tests).
inline at::Tensor ReferencePixelValues() {
  static const at::Tensor pixels = [] {
    auto pp = hf::LoadPreprocessorConfig(BlipTinyDir());
    EXPECT_TRUE(pp.ok()) << pp.status().ToString();
    const auto& images = ReferenceRgbImages();
    at::Tensor out = at::zeros({static_cast<int64_t>(images.size()), 3, 384, 384});
    for (size_t i = 0; pp.ok() && i < images.size(); ++i) {
      Status st = preprocess::Preprocess(images[i], *pp, out[i].data_ptr<float>());
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    return out;
  }();
  return pixels;
}

inline double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kCPU, at::kFloat) - b.to(at::kCPU, at::kFloat)).abs().max().item<double>();
}

inline std::vector<int64_t> Ids(const nlohmann::json& j) { return j.get<std::vector<int64_t>>(); }

// The tiny float32 model and the vision states of the six reference images
// (in fixture order), loaded once per test suite.
class TinyBlipTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = LoadTinyFp32().release();
    if (model_ != nullptr) {
      auto states = model_->EncodeImages(ReferencePixelValues());
      EXPECT_TRUE(states.ok()) << states.status().ToString();
      if (states.ok()) states_ = new at::Tensor(*states);
    }
  }
  static void TearDownTestSuite() {
    delete model_;
    delete states_;
    model_ = nullptr;
    states_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(model_, nullptr);
    ASSERT_NE(states_, nullptr);
  }

  inline static BlipGenerator* model_ = nullptr;
  inline static at::Tensor* states_ = nullptr;
};

}  // namespace photoidx::models::blip::test

#endif  // PHOTOIDX_TESTS_CORE_MODELS_BLIP_BLIP_TEST_UTIL_H_
