// Checking a checkpoint's tensors against what a model needs, with the
// messages every loader gives (the torch StrictLoader and the torch-free
// CLIP text tower): one line per kind of problem, naming the tensors.
//
// Thread safety: TensorCheck is not thread-safe; the functions are pure.
#ifndef PHOTOIDX_CORE_MODELS_HF_WEIGHTS_CHECK_H_
#define PHOTOIDX_CORE_MODELS_HF_WEIGHTS_CHECK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/models/hf/safetensors.h"

namespace photoidx::models::hf {

// Opens a checkpoint's model.safetensors at `path`. When it is missing the
// NotFound message says what the folder holds instead (a pytorch_model.bin,
// a sharded index), `model` naming the model ("CLIP").
Result<std::shared_ptr<SafeTensors>> OpenWeightsFile(const std::string& path,
                                                      std::string_view model);

// True for F32, F16, BF16, F64: the dtypes a weight may be stored in.
bool IsFloatingDType(DType dtype);

// "[2, 3]" (for messages).
std::string ShapeString(const std::vector<int64_t>& shape);

class TensorCheck {
 public:
  // Records what is wrong with tensor `name` of `file` against `shape`:
  // missing, not floating point, another shape.
  void Expect(const SafeTensors& file, const std::string& name, const std::vector<int64_t>& shape);
  // Records a tensor the model does not use.
  void Unexpected(const std::string& name) { unexpected_.push_back(name); }

  // One line per kind of problem, each listing at most 20 names; empty when
  // all is right.
  std::vector<std::string> Problems() const;

 private:
  std::vector<std::string> missing_, bad_shape_, bad_dtype_, unexpected_;
};

}  // namespace photoidx::models::hf

#endif  // PHOTOIDX_CORE_MODELS_HF_WEIGHTS_CHECK_H_
