#include "core/models/clip/clip_vision.h"

#include "core/models/hf/weights_check.h"
#include "core/models/torch/torch_error.h"

namespace photoidx::models::clip {

ClipVisionTower::ClipVisionTower(const ClipConfig& config, const torchutil::Placement& placement)
    : config_(config.vision),
      projection_dim_(config.projection_dim),
      placement_(placement),
      encoder_(config.vision, placement.dtype) {}

void ClipVisionTower::Declare(torchutil::StrictLoader& loader, bool load) {
  const int64_t h = config_.hidden_size, p = config_.patch_size;
  auto want = [&](at::Tensor& t) { return load ? &t : nullptr; };
  const std::string e = "vision_model.embeddings.";
  loader.Expect(e + "patch_embedding.weight", {h, config_.num_channels, p, p}, want(patch_w_));
  loader.Expect(e + "class_embedding", {h}, want(class_emb_), at::kFloat);
  loader.Expect(e + "position_embedding.weight", {config_.num_positions(), h}, want(pos_emb_),
                at::kFloat);
  loader.Optional(e + "position_ids");
  loader.Expect("vision_model.pre_layrnorm.weight", {h}, want(pre_ln_w_), at::kFloat);
  loader.Expect("vision_model.pre_layrnorm.bias", {h}, want(pre_ln_b_), at::kFloat);
  loader.Expect("vision_model.post_layernorm.weight", {h}, want(post_ln_w_), at::kFloat);
  loader.Expect("vision_model.post_layernorm.bias", {h}, want(post_ln_b_), at::kFloat);
  loader.Expect("visual_projection.weight", {projection_dim_, h}, want(proj_w_), at::kFloat);
  encoder_.Declare(loader, "vision_model.encoder.layers.", load);
}

void ClipVisionTower::Finalize() {
  if (patch_w_.defined()) patch_w_ = patch_w_.reshape({config_.hidden_size, -1}).contiguous();
  encoder_.Finalize();
}

// Conv2d with stride == kernel is a matmul over non-overlapping patches:
// [B, C, n*p, n*p] -> [B*n*n, C*p*p] (row-major patch order, channel-major
// inside a patch, as the conv weight is laid out) @ W^T.
at::Tensor ClipVisionTower::Embed(const at::Tensor& pixel_values) const {
  const int64_t b = pixel_values.size(0), c = config_.num_channels, p = config_.patch_size;
  const int64_t n = config_.patches_per_side(), h = config_.hidden_size;
  at::Tensor x = pixel_values.to(placement_.device, placement_.dtype)
                     .narrow(2, 0, n * p)
                     .narrow(3, 0, n * p)  // conv drops the remainder too
                     .reshape({b, c, n, p, n, p})
                     .permute({0, 2, 4, 1, 3, 5})
                     .reshape({b * n * n, c * p * p});
  at::Tensor patches = at::mm(x, patch_w_.t()).to(at::kFloat).view({b, n * n, h});
  at::Tensor cls = class_emb_.view({1, 1, h}).expand({b, 1, h});
  at::Tensor emb = at::cat({cls, patches}, 1) + pos_emb_.unsqueeze(0);  // [B, N+1, H]
  return at::layer_norm(emb, {h}, pre_ln_w_, pre_ln_b_, config_.layer_norm_eps);
}

Result<ClipVisionOutput> ClipVisionTower::Forward(const at::Tensor& pixel_values,
                                                  bool want_hidden_states) const {
  const int64_t s = config_.image_size;
  if (pixel_values.dim() != 4 || pixel_values.size(1) != config_.num_channels ||
      pixel_values.size(2) != s || pixel_values.size(3) != s) {
    return Status::InvalidArgument(
        "clip vision",
        "pixel_values has shape " + hf::ShapeString(pixel_values.sizes().vec()) +
            ", expected [B, 3, " + std::to_string(s) + ", " + std::to_string(s) + "]");
  }
  ClipVisionOutput out;
  Status st = torchutil::CatchTorch("clip vision forward", [&] {
    at::Tensor h = Embed(pixel_values);
    std::vector<at::Tensor>* states = want_hidden_states ? &out.hidden_states : nullptr;
    if (states) states->push_back(h.clone());
    out.last_hidden_state = encoder_.Forward(h, at::Tensor(), states);
    at::Tensor cls = out.last_hidden_state.select(1, 0);
    out.pooled =
        at::layer_norm(cls, {config_.hidden_size}, post_ln_w_, post_ln_b_, config_.layer_norm_eps);
    out.image_embeds = at::mm(out.pooled, proj_w_.t());
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace photoidx::models::clip
