// CLIP text tower + text projection (transformers modeling_clip.py:
// CLIPTextEmbeddings, CLIPTextTransformer, CLIPModel.text_projection;
// v4.40), loaded from `text_model.*` and `text_projection.weight`.
//
//   h = token_embedding[ids] + position_embedding[0..L-1]
//   h = final_layer_norm(encoder(h, causal mask + padding mask))
//   pooled = h[b, eos_b];  text_embeds = pooled @ proj^T
// eos_b: argmax(ids_b) for legacy configs (eos_token_id == 2), else the
// first position where ids_b == eos_token_id (0 when there is none), as in
// transformers.
//
// Speed: the causal mask makes row eos_b independent of every later
// position, so by default only positions 0..max_b(eos_b) are computed (a
// search query of 8 tokens costs ~1/10 of the full 77). The pooled output
// is identical; ask for full_length to get all positions (debugging).
//
// Thread safety: Forward() is const.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CLIP_TEXT_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CLIP_TEXT_H_

#include <ATen/ATen.h>

#include <vector>

#include "core/base/result.h"
#include "core/models/clip_common/clip_config.h"
#include "core/models/clip/clip_encoder.h"
#include "core/models/torch/device.h"
#include "core/models/torch/state_dict.h"

namespace photoidx::models::clip {

struct ClipTextForwardOptions {
  // Compute every position of the input instead of stopping at the last
  // eos (needed only for last_hidden_state / hidden_states at padding).
  bool full_length = false;
  // Collect the per-layer hidden states.
  bool hidden_states = false;
};

struct ClipTextOutput {
  // final_layer_norm output, [B, L, H] float32; L = the input length with
  // full_length, else max(eos) + 1.
  at::Tensor last_hidden_state;
  at::Tensor pooled;       // [B, H] float32
  at::Tensor text_embeds;  // [B, projection_dim] float32, NOT normalised
  at::Tensor eos_index;    // [B] int64 (CPU)
  // When asked: [embeddings, layer 1, ..., layer L] (before final LN).
  std::vector<at::Tensor> hidden_states;
};

class ClipTextTower {
 public:
  ClipTextTower(const ClipConfig& config, const torchutil::Placement& placement);

  // Declares every text key and text_projection.weight (plus the optional
  // position_ids buffer); load=false validates only.
  void Declare(torchutil::StrictLoader& loader, bool load);
  void Finalize();

  // input_ids: [B, S] int64 (CPU or the model's device), S <=
  // max_position_embeddings; attention_mask: [B, S] (1 = token, 0 =
  // padding) or undefined (all ones). Errors: InvalidArgument for bad
  // shapes or ids outside the vocabulary; torch failures via CatchTorch.
  Result<ClipTextOutput> Forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                 const ClipTextForwardOptions& options = {}) const;

  // The pooling position of each row of `input_ids` ([B, S] int64, CPU).
  at::Tensor EosIndex(const at::Tensor& input_ids) const;

  const ClipTextConfig& config() const { return config_; }
  const torchutil::Placement& placement() const { return placement_; }

 private:
  Status CheckInput(const at::Tensor& ids, const at::Tensor& mask) const;
  at::Tensor BuildMask(const at::Tensor& attention_mask, int64_t batch, int64_t len) const;

  ClipTextConfig config_;
  int64_t projection_dim_;
  torchutil::Placement placement_;
  at::Tensor token_emb_;                // [V, H] float32
  at::Tensor pos_emb_;                  // [P, H] float32
  at::Tensor final_ln_w_, final_ln_b_;  // float32
  at::Tensor proj_w_;                   // [projection_dim, H] float32
  ClipEncoder encoder_;
};

}  // namespace photoidx::models::clip

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CLIP_TEXT_H_
