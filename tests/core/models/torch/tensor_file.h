// TensorFile: a safetensors file whose tensors the model tests read as
// float32 / int64 CPU tensors (shared by the CLIP and BLIP parity tests).
#ifndef PHOTOIDX_TESTS_CORE_MODELS_TORCH_TENSOR_FILE_H_
#define PHOTOIDX_TESTS_CORE_MODELS_TORCH_TENSOR_FILE_H_

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/models/hf/safetensors.h"
#include "core/models/torch/state_dict.h"

namespace photoidx::models::test {

class TensorFile {
 public:
  explicit TensorFile(const std::string& path) {
    auto r = hf::SafeTensors::Open(path);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (r.ok()) file_ = *r;
  }
  // Fails the test and returns an empty tensor when absent.
  at::Tensor Get(const std::string& name) const {
    const hf::TensorView* v = file_ ? file_->Find(name) : nullptr;
    if (v == nullptr) {
      ADD_FAILURE() << "no tensor " << name;
      return at::zeros({0});
    }
    at::ScalarType type = v->dtype == hf::DType::kI64 ? at::kLong : at::kFloat;
    auto t = torchutil::ToTensor(*v, type, at::kCPU);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : at::zeros({0});
  }

 private:
  std::shared_ptr<hf::SafeTensors> file_;
};

}  // namespace photoidx::models::test

#endif  // PHOTOIDX_TESTS_CORE_MODELS_TORCH_TENSOR_FILE_H_
