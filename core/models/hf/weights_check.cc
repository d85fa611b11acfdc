#include "core/models/hf/weights_check.h"

#include <filesystem>

namespace photoidx::models::hf {
namespace {

// How many names one message lists per kind before "... and N more".
constexpr size_t kMaxNamesPerList = 20;

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < kMaxNamesPerList; ++i) {
    out += (i ? ", " : "") + names[i];
  }
  if (names.size() > kMaxNamesPerList) {
    out += " ... and " + std::to_string(names.size() - kMaxNamesPerList) + " more";
  }
  return out;
}

}  // namespace

Result<std::shared_ptr<SafeTensors>> OpenWeightsFile(const std::string& path,
                                                      std::string_view model) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    const std::string dir = std::filesystem::path(path).parent_path().string();
    std::string hint;
    if (std::filesystem::exists(dir + "/pytorch_model.bin", ec)) {
      hint = " (only pytorch_model.bin is there: photoidx reads safetensors only)";
    } else if (std::filesystem::exists(dir + "/model.safetensors.index.json", ec)) {
      hint = " (sharded checkpoints are not supported)";
    }
    return Status::NotFound(path, std::string(model) + " weights not found" + hint);
  }
  return SafeTensors::Open(path);
}

bool IsFloatingDType(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16 ||
         dtype == DType::kF64;
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

void TensorCheck::Expect(const SafeTensors& file, const std::string& name,
                         const std::vector<int64_t>& shape) {
  const TensorView* t = file.Find(name);
  if (t == nullptr) {
    missing_.push_back(name);
    return;
  }
  if (!IsFloatingDType(t->dtype)) {
    bad_dtype_.push_back(name + " is " + DTypeName(t->dtype) +
                         ", expected a floating-point type (F32, F16, BF16)");
  }
  if (t->shape != shape) {
    bad_shape_.push_back(name + " has shape " + ShapeString(t->shape) + ", expected " +
                         ShapeString(shape));
  }
}

std::vector<std::string> TensorCheck::Problems() const {
  std::vector<std::string> problems;
  if (!missing_.empty()) {
    problems.push_back(std::to_string(missing_.size()) + " missing tensor(s): " +
                       JoinNames(missing_));
  }
  if (!bad_shape_.empty()) problems.push_back("wrong shape: " + JoinNames(bad_shape_));
  if (!bad_dtype_.empty()) problems.push_back("wrong dtype: " + JoinNames(bad_dtype_));
  if (!unexpected_.empty()) {
    problems.push_back(std::to_string(unexpected_.size()) + " unexpected tensor(s): " +
                       JoinNames(unexpected_));
  }
  return problems;
}

}  // namespace photoidx::models::hf
