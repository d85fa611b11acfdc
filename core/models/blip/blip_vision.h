// BlipVision: the BLIP ViT image encoder, compatible with Hugging Face
// weights (transformers models/blip/modeling_blip.py: BlipVisionModel,
// BlipVisionEmbeddings, BlipEncoderLayer, BlipAttention).
//
// Forward: Conv2d patch embedding WITH bias (stride = kernel = patch),
// prepend class_embedding, add the position_embedding parameter, NO
// pre-LayerNorm, pre-LN encoder layers with a fused qkv Linear, then
// post_layernorm on EVERY token. The result ([B, N+1, H]) is what the text
// decoder's cross-attention reads.
//
// Precision: Linear/conv weights are held in the model dtype (float32 or
// bfloat16 or float16); LayerNorm parameters, softmax and the residual
// stream stay float32, so the bfloat16 path only rounds the matmul inputs.
//
// Thread safety: immutable after Load(); Forward() may run on several threads
// at once (torch permitting).
#ifndef PHOTOIDX_CORE_MODELS_BLIP_BLIP_VISION_H_
#define PHOTOIDX_CORE_MODELS_BLIP_BLIP_VISION_H_

#include <vector>

#include <ATen/ATen.h>

#include "core/models/blip/blip_config.h"
#include "core/models/torch/state_dict.h"

namespace photoidx::models::blip {

class BlipVision {
 public:
  BlipVision() = default;

  // Declares every vision_model.* tensor on `loader` with the shape the
  // config implies; the tensors are filled when loader.Finish() succeeds.
  // REQUIRES: this object stays at the same address until Finish().
  void Declare(const BlipVisionConfig& config, torchutil::StrictLoader* loader);

  // pixel_values [B, C, S, S] float32 (any device; moved to the weights').
  // Returns last_hidden_state [B, N+1, H] float32 (post_layernorm applied).
  // When `hidden_states` is non-null it receives [embeddings, layer 1, ...,
  // layer L] before post_layernorm (HF output_hidden_states). Throws
  // c10::Error on a shape mismatch: callers run it under CatchTorch.
  at::Tensor Forward(const at::Tensor& pixel_values,
                     std::vector<at::Tensor>* hidden_states = nullptr) const;

  const BlipVisionConfig& config() const { return config_; }

 private:
  struct Layer {
    at::Tensor layer_norm1_w, layer_norm1_b, qkv_w, qkv_b, proj_w, proj_b;
    at::Tensor layer_norm2_w, layer_norm2_b, fc1_w, fc1_b, fc2_w, fc2_b;
  };

  at::Tensor Embed(const at::Tensor& pixel_values) const;
  at::Tensor Attention(const Layer& layer, const at::Tensor& x) const;
  at::Tensor RunLayer(const Layer& layer, const at::Tensor& x) const;

  BlipVisionConfig config_;
  at::Tensor class_embedding_;     // [1, 1, H] float32
  at::Tensor patch_w_, patch_b_;   // [H, C, P, P], [H]
  at::Tensor position_embedding_;  // [1, N+1, H] float32
  std::vector<Layer> layers_;
  at::Tensor post_ln_w_, post_ln_b_;
};

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_BLIP_VISION_H_
