// The CLIP text tower's weights for the torch-free forward (clip_text_cpu.h),
// taken from a checkpoint's model.safetensors.
//
// Only the text tower is read: `text_model.*` and `text_projection.weight`.
// Every such key is checked against the config (name, shape, floating
// dtype) from the safetensors header before any data page is touched, and
// text keys the model does not know are reported too; all problems come
// back in one Corruption naming the file and each tensor, as the torch
// loader does (core/models/torch/state_dict.h). Vision tensors and
// `logit_scale` are neither checked nor read (their pages stay on disk).
//
// Storage: float32 tensors whose data is 4-byte aligned are used in place
// from the read-only mapping (zero copy; their pages are asked for with
// madvise(MADV_WILLNEED) at load, so a cold disk read starts at once, in the
// background); F16, BF16, F64 or unaligned F32 tensors are converted to float32
// once, into memory owned here. The token embedding table is the exception:
// it stays as stored and only the rows a query needs are converted
// (TokenRow), so a float16 checkpoint never pays for 49408 x H floats.
//
// Ownership: TextWeights keeps the SafeTensors mapping alive; every pointer
// it hands out is valid for its lifetime. Thread safety: immutable after
// Load(); any number of threads may read.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CPU_TEXT_WEIGHTS_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CPU_TEXT_WEIGHTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/models/clip_common/clip_config.h"
#include "core/models/hf/safetensors.h"

namespace photoidx::models::clip_cpu {

// One encoder layer; weights are row-major [out, in] as stored.
struct TextLayerWeights {
  const float* ln1_w = nullptr;
  const float* ln1_b = nullptr;
  const float* ln2_w = nullptr;
  const float* ln2_b = nullptr;
  const float* q_w = nullptr;
  const float* q_b = nullptr;
  const float* k_w = nullptr;
  const float* k_b = nullptr;
  const float* v_w = nullptr;
  const float* v_b = nullptr;
  const float* out_w = nullptr;
  const float* out_b = nullptr;
  const float* fc1_w = nullptr;  // [intermediate, hidden]
  const float* fc1_b = nullptr;
  const float* fc2_w = nullptr;  // [hidden, intermediate]
  const float* fc2_b = nullptr;
};

class TextWeights {
 public:
  // `path` is the model.safetensors of a checkpoint whose config is
  // `config`. Errors: NotFound / IOError / Corruption from opening the
  // file; Corruption listing every missing, unexpected, mis-shaped or
  // mis-typed text tensor; OutOfMemory when a conversion cannot allocate.
  static Result<std::unique_ptr<TextWeights>> Load(const std::string& path,
                                                   const clip::ClipConfig& config);

  // Row `id` of the token embedding as float32 into `out` (hidden floats).
  // REQUIRES: 0 <= id < vocab_size (the caller checks ids).
  void TokenRow(int64_t id, float* out) const;

  const float* position_embedding() const { return pos_emb_; }  // [positions, hidden]
  const std::vector<TextLayerWeights>& layers() const { return layers_; }
  const float* final_ln_w() const { return final_ln_w_; }
  const float* final_ln_b() const { return final_ln_b_; }
  const float* projection() const { return proj_w_; }  // [projection_dim, hidden]
  // How many tensors were converted (the rest are read in place).
  int converted_tensors() const { return static_cast<int>(owned_.size()); }

 private:
  TextWeights() = default;
  Result<const float*> Take(const std::string& name);
  Status TakeAll(const clip::ClipConfig& config);

  std::shared_ptr<hf::SafeTensors> file_;
  const hf::TensorView* token_emb_ = nullptr;
  int64_t hidden_ = 0;
  const float* pos_emb_ = nullptr;
  const float* final_ln_w_ = nullptr;
  const float* final_ln_b_ = nullptr;
  const float* proj_w_ = nullptr;
  std::vector<TextLayerWeights> layers_;
  std::vector<std::unique_ptr<float[]>> owned_;  // converted tensors
};

}  // namespace photoidx::models::clip_cpu

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CPU_TEXT_WEIGHTS_H_
