// Bridge from safetensors views (core/models/hf) to libtorch tensors, and the
// strict loader every model uses to take its weights.
//
// ToTensor() never aliases the mapping: it wraps the mapped bytes with
// from_blob and copies/converts into memory the tensor owns, so in-place ops
// on a weight can never write to (and segfault on) the read-only mapping,
// and the mapping can be dropped as soon as loading is done.
//
// StrictLoader follows whisper.cpp's whisper_model_load and ScaleLLM's
// Module::verify: the model declares every key it expects with its exact
// shape; Finish() checks the whole declaration against the checkpoint header
// BEFORE converting anything, and reports every missing key, unexpected key,
// wrong shape and wrong dtype by name in one Status. Only when all of it is
// right are the requested tensors converted, so nothing ever runs on a
// partial load.
//
// Thread safety: a StrictLoader is used by one thread. ToTensor() may be
// called from several threads.
#ifndef PHOTOIDX_CORE_MODELS_TORCH_STATE_DICT_H_
#define PHOTOIDX_CORE_MODELS_TORCH_STATE_DICT_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/base/status.h"
#include "core/models/hf/safetensors.h"

namespace photoidx::models::torchutil {

// The torch scalar type of a safetensors dtype (every hf::DType has one).
at::ScalarType ToScalarType(hf::DType dtype);

// A tensor of `view`'s shape with dtype `dtype` on `device`, owning its
// memory (a copy, converted where the dtypes differ). Unaligned data is
// handled. Errors (out of memory, a device failure) come back as a Status
// naming the tensor.
Result<at::Tensor> ToTensor(const hf::TensorView& view, at::ScalarType dtype,
                            const at::Device& device);

class StrictLoader {
 public:
  // `weights` must stay alive until Finish() returns. Weights are converted
  // to `dtype` on `device` unless Expect() says otherwise.
  StrictLoader(std::shared_ptr<const hf::SafeTensors> weights, at::ScalarType dtype,
               at::Device device);

  // Declares a required floating-point tensor of exactly `shape` ([] for a
  // 0-dim scalar). When `dest` is non-null, Finish() fills it; with nullptr
  // the key is only validated (header only: the data is never touched,
  // which is how one tower is checked without reading its weights).
  void Expect(const std::string& name, std::vector<int64_t> shape, at::Tensor* dest);
  // Same, converting to `dtype` instead of the loader's default (LayerNorm
  // parameters stay float32 in a bfloat16 model, for instance).
  void Expect(const std::string& name, std::vector<int64_t> shape, at::Tensor* dest,
              at::ScalarType dtype);
  // A key that may be present or absent and is never loaded (the int64
  // `position_ids` buffers of older checkpoints: always arange).
  void Optional(const std::string& name);

  // Validates everything declared so far against the checkpoint; on success
  // converts the requested tensors. Errors: Corruption for missing,
  // unexpected, mis-shaped or mis-typed tensors (all of them listed, by
  // name, in one message), OutOfMemory/IOError from the conversion.
  Status Finish();

 private:
  struct Request {
    std::string name;
    std::vector<int64_t> shape;
    at::Tensor* dest;
    at::ScalarType dtype;
  };

  std::vector<std::string> Validate() const;

  std::shared_ptr<const hf::SafeTensors> weights_;
  at::ScalarType dtype_;
  at::Device device_;
  std::vector<Request> requests_;
  std::vector<std::string> optional_;
};

}  // namespace photoidx::models::torchutil

#endif  // PHOTOIDX_CORE_MODELS_TORCH_STATE_DICT_H_
