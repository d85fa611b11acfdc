#include "core/models/clip/clip_text.h"

#include <limits>

#include "core/models/torch/torch_error.h"

namespace photoidx::models::clip {

ClipTextTower::ClipTextTower(const ClipConfig& config, const torchutil::Placement& placement)
    : config_(config.text),
      projection_dim_(config.projection_dim),
      placement_(placement),
      encoder_(config.text, placement.dtype) {}

void ClipTextTower::Declare(torchutil::StrictLoader& loader, bool load) {
  const int64_t h = config_.hidden_size;
  auto want = [&](at::Tensor& t) { return load ? &t : nullptr; };
  const std::string e = "text_model.embeddings.";
  // Embedding tables stay float32: they feed the float32 residual stream.
  loader.Expect(e + "token_embedding.weight", {config_.vocab_size, h}, want(token_emb_),
                at::kFloat);
  loader.Expect(e + "position_embedding.weight", {config_.max_position_embeddings, h},
                want(pos_emb_), at::kFloat);
  loader.Optional(e + "position_ids");
  loader.Expect("text_model.final_layer_norm.weight", {h}, want(final_ln_w_), at::kFloat);
  loader.Expect("text_model.final_layer_norm.bias", {h}, want(final_ln_b_), at::kFloat);
  loader.Expect("text_projection.weight", {projection_dim_, h}, want(proj_w_), at::kFloat);
  encoder_.Declare(loader, "text_model.encoder.layers.", load);
}

void ClipTextTower::Finalize() { encoder_.Finalize(); }

at::Tensor ClipTextTower::EosIndex(const at::Tensor& input_ids) const {
  if (config_.legacy_eos_pooling()) return input_ids.argmax(-1);  // first maximum
  // argmax of a 0/1 row: the first eos, 0 when there is none (as HF).
  return input_ids.eq(config_.eos_token_id).to(at::kInt).argmax(-1);
}

Status ClipTextTower::CheckInput(const at::Tensor& ids, const at::Tensor& mask) const {
  auto bad = [](const std::string& why) { return Status::InvalidArgument("clip text", why); };
  if (ids.dim() != 2 || ids.size(0) < 1 || ids.size(1) < 1) {
    return bad("input_ids must be [B, S] with B, S >= 1");
  }
  if (ids.scalar_type() != at::kLong && ids.scalar_type() != at::kInt) {
    return bad("input_ids must be int64 or int32");
  }
  if (ids.size(1) > config_.max_position_embeddings) {
    return bad("sequence length " + std::to_string(ids.size(1)) +
               " exceeds max_position_embeddings " +
               std::to_string(config_.max_position_embeddings));
  }
  if (ids.min().item<int64_t>() < 0 || ids.max().item<int64_t>() >= config_.vocab_size) {
    return bad("input_ids outside the vocabulary [0, " + std::to_string(config_.vocab_size) + ")");
  }
  if (mask.defined() && mask.sizes() != ids.sizes()) {
    return bad("attention_mask must have the shape of input_ids");
  }
  return Status::OK();
}

// Additive mask [B|1, 1, L, L]: lowest float above the diagonal (causal)
// and on padded key positions, as transformers' causal_attention_mask plus
// its expanded attention_mask.
at::Tensor ClipTextTower::BuildMask(const at::Tensor& attention_mask, int64_t batch,
                                    int64_t len) const {
  const float lowest = std::numeric_limits<float>::lowest();
  auto opts = at::TensorOptions().dtype(at::kFloat).device(placement_.device);
  at::Tensor causal = at::full({len, len}, lowest, opts).triu(1).view({1, 1, len, len});
  if (!attention_mask.defined()) return causal;
  at::Tensor pad = attention_mask.to(placement_.device).eq(0).to(at::kFloat) * lowest;
  return causal + pad.view({batch, 1, 1, len});
}

Result<ClipTextOutput> ClipTextTower::Forward(const at::Tensor& input_ids,
                                              const at::Tensor& attention_mask,
                                              const ClipTextForwardOptions& options) const {
  Status input_st;
  PHOTOIDX_RETURN_IF_ERROR(torchutil::CatchTorch(
      "clip text input", [&] { input_st = CheckInput(input_ids, attention_mask); }));
  PHOTOIDX_RETURN_IF_ERROR(input_st);
  ClipTextOutput out;
  Status st = torchutil::CatchTorch("clip text forward", [&] {
    const int64_t batch = input_ids.size(0), h = config_.hidden_size;
    at::Tensor ids = input_ids.to(at::kCPU, at::kLong);
    out.eos_index = EosIndex(ids);
    const int64_t len = options.full_length ? ids.size(1) : out.eos_index.max().item<int64_t>() + 1;
    at::Tensor ids_d = ids.narrow(1, 0, len).to(placement_.device);
    at::Tensor x = at::embedding(token_emb_, ids_d) + pos_emb_.narrow(0, 0, len).unsqueeze(0);
    std::vector<at::Tensor>* states = options.hidden_states ? &out.hidden_states : nullptr;
    if (states) states->push_back(x.clone());
    at::Tensor mask = BuildMask(
        attention_mask.defined() ? attention_mask.narrow(1, 0, len) : at::Tensor(), batch, len);
    x = encoder_.Forward(x, mask, states);
    out.last_hidden_state =
        at::layer_norm(x, {h}, final_ln_w_, final_ln_b_, config_.layer_norm_eps);
    at::Tensor rows = at::arange(batch, out.eos_index.options()) * len + out.eos_index;
    out.pooled =
        out.last_hidden_state.reshape({batch * len, h}).index_select(0, rows.to(placement_.device));
    out.text_embeds = at::mm(out.pooled, proj_w_.t());
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace photoidx::models::clip
