// CLIPEncoder: the pre-LayerNorm transformer stack both CLIP towers share
// (transformers models/clip/modeling_clip.py: CLIPEncoder, CLIPEncoderLayer,
// CLIPAttention, CLIPMLP; v4.40).
//
// Per layer, with h the residual stream [B*S, H] in float32:
//   h += out_proj(attention(LN1(h)));  h += fc2(act(fc1(LN2(h))))
// Attention: q = (x Wq^T + bq) * head_dim^-0.5, scores q k^T plus an
// additive mask, softmax in float32.
//
// Precision: LayerNorm, softmax and the residual stream are float32; the
// matmuls run in the compute dtype (float32, bfloat16 or float16), their
// weights stored in it. On CUDA in float16/bfloat16 the residual stream and
// LayerNorm weights are in the compute dtype too, as transformers runs a
// .half() model: there the float32 stream's conversions were half of the
// forward time (memory bound; docs/benchmarks.md), and quick_gelu becomes a
// single SiLU by folding 1.702 into fc1 and 1/1.702 into fc2
// (x*sigmoid(1.702x) = silu(1.702x)/1.702). q/k/v are fused into one [3H, H] matmul with the
// query scale folded into the q rows (exact when head_dim is a power of 4,
// otherwise one extra rounding, far inside the 1e-4 parity tolerance).
//
// Thread safety: Forward() is const and may run on several threads.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CLIP_ENCODER_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CLIP_ENCODER_H_

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "core/models/clip_common/clip_config.h"
#include "core/models/torch/state_dict.h"

namespace photoidx::models::clip {

class ClipEncoder {
 public:
  ClipEncoder(const ClipTowerConfig& config, at::ScalarType compute_dtype);

  // Declares every layer key under `prefix` ("vision_model.encoder.layers.")
  // with its shape; with load=false they are validated only.
  void Declare(torchutil::StrictLoader& loader, const std::string& prefix, bool load);
  // After a successful StrictLoader::Finish(): fuses q/k/v; on CUDA in a
  // reduced dtype, also casts the LayerNorm weights and folds quick_gelu.
  void Finalize();

  // h: [B, S, H] float32 (consumed: updated in place). mask: additive,
  // broadcastable to [B, heads, S, S], float32, or undefined for none.
  // When `states` is non-null the output of every layer is appended
  // (copies, [B, S, H], in the residual dtype). Returns the final hidden
  // state [B, S, H] float32.
  // Throws c10::Error (callers wrap it in CatchTorch).
  at::Tensor Forward(at::Tensor h, const at::Tensor& mask, std::vector<at::Tensor>* states) const;

  const ClipTowerConfig& config() const { return config_; }

 private:
  struct Layer {
    at::Tensor ln1_w, ln1_b, ln2_w, ln2_b;    // float32
    at::Tensor q_w, q_b, k_w, k_b, v_w, v_b;  // until Finalize()
    at::Tensor qkv_w, qkv_b;                  // [3H, H], [3H]
    at::Tensor out_w, out_b, fc1_w, fc1_b, fc2_w, fc2_b;
  };

  at::Tensor Attention(const Layer& layer, const at::Tensor& x, int64_t batch, int64_t seq,
                       const at::Tensor& mask) const;
  at::Tensor Mlp(const Layer& layer, const at::Tensor& x) const;

  ClipTowerConfig config_;
  at::ScalarType dtype_;
  // The residual stream's dtype: float32, or dtype_ on CUDA (see above).
  at::ScalarType residual_dtype_ = at::kFloat;
  // fc1/fc2 carry the quick_gelu scale: the activation is a plain SiLU.
  bool folded_quick_gelu_ = false;
  std::vector<Layer> layers_;
};

// y = x W^T + b for a 2-D x, in x's dtype.
at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

}  // namespace photoidx::models::clip

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CLIP_ENCODER_H_
