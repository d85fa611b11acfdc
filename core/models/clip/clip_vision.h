// CLIP vision tower + visual projection (transformers modeling_clip.py:
// CLIPVisionEmbeddings, CLIPVisionTransformer, CLIPModel.visual_projection;
// v4.40), loaded from the HF checkpoint keys `vision_model.*` and
// `visual_projection.weight`.
//
//   patches = Conv2d(3, H, p, stride p, no bias)(pixels)   // as one matmul
//   h = [class_embedding; patches] + position_embedding     // [B, N+1, H]
//   h = encoder(pre_layrnorm(h))                            // "layrnorm" (sic)
//   pooled = post_layernorm(h[:, 0]);  image_embeds = pooled @ proj^T
//
// Thread safety: Forward() is const; one model may serve several threads.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CLIP_VISION_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CLIP_VISION_H_

#include <ATen/ATen.h>

#include <vector>

#include "core/base/result.h"
#include "core/models/clip_common/clip_config.h"
#include "core/models/clip/clip_encoder.h"
#include "core/models/torch/device.h"
#include "core/models/torch/state_dict.h"

namespace photoidx::models::clip {

struct ClipVisionOutput {
  // Encoder output BEFORE post_layernorm, [B, N+1, H] float32 (as HF).
  at::Tensor last_hidden_state;
  // post_layernorm(last_hidden_state[:, 0]), [B, H] float32.
  at::Tensor pooled;
  // pooled @ visual_projection^T, [B, projection_dim] float32, NOT normalised.
  at::Tensor image_embeds;
  // When asked: [embeddings after pre_layrnorm, layer 1, ..., layer L].
  std::vector<at::Tensor> hidden_states;
};

class ClipVisionTower {
 public:
  ClipVisionTower(const ClipConfig& config, const torchutil::Placement& placement);

  // Declares every vision key and visual_projection.weight (plus the
  // optional position_ids buffer); load=false validates only.
  void Declare(torchutil::StrictLoader& loader, bool load);
  // After a successful StrictLoader::Finish().
  void Finalize();

  // pixel_values: [B, 3, image_size, image_size] float32 on any device
  // (the CLIPImageProcessor output). Output tensors live on the model's
  // device. Errors: InvalidArgument for a wrong input shape; a failure
  // inside torch (e.g. out of memory) as CatchTorch reports it.
  Result<ClipVisionOutput> Forward(const at::Tensor& pixel_values, bool want_hidden_states) const;

  const ClipVisionConfig& config() const { return config_; }
  const torchutil::Placement& placement() const { return placement_; }

 private:
  at::Tensor Embed(const at::Tensor& pixel_values) const;

  ClipVisionConfig config_;
  int64_t projection_dim_;
  torchutil::Placement placement_;
  at::Tensor patch_w_;                                      // [H, 3*p*p] compute dtype
  at::Tensor class_emb_;                                    // [H] float32
  at::Tensor pos_emb_;                                      // [N+1, H] float32
  at::Tensor pre_ln_w_, pre_ln_b_, post_ln_w_, post_ln_b_;  // float32
  at::Tensor proj_w_;                                       // [P, H] float32
  ClipEncoder encoder_;
};

}  // namespace photoidx::models::clip

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CLIP_VISION_H_
