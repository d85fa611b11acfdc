#include "core/models/clip/clip_encoder.h"

#include <cmath>

#include "core/models/torch/sdpa.h"

namespace photoidx::models::clip {
namespace {

at::Tensor LayerNorm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
  return at::layer_norm(x, {x.size(-1)}, w, b, eps);
}

constexpr double kQuickGeluScale = 1.702;  // transformers' QuickGELUActivation

// In place: the MLP activation is the largest tensor of a layer, so one
// temporary at most. `folded`: fc1/fc2 already carry quick_gelu's scale.
void ActivateInPlace(at::Tensor& x, Activation act, bool folded) {
  if (folded) {
    at::silu_(x);
  } else if (act == Activation::kGelu) {
    at::gelu_(x);  // exact erf form (approximate="none")
  } else {
    at::Tensor s = x * kQuickGeluScale;
    x.mul_(s.sigmoid_());
  }
}

}  // namespace

at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return at::addmm(b, x, w.t());
}

ClipEncoder::ClipEncoder(const ClipTowerConfig& config, at::ScalarType compute_dtype)
    : config_(config), dtype_(compute_dtype), layers_(config.num_hidden_layers) {}

void ClipEncoder::Declare(torchutil::StrictLoader& loader, const std::string& prefix, bool load) {
  const int64_t h = config_.hidden_size, f = config_.intermediate_size;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = layers_[i];
    const std::string p = prefix + std::to_string(i) + ".";
    auto want = [&](at::Tensor& t) { return load ? &t : nullptr; };
    loader.Expect(p + "layer_norm1.weight", {h}, want(l.ln1_w), at::kFloat);
    loader.Expect(p + "layer_norm1.bias", {h}, want(l.ln1_b), at::kFloat);
    loader.Expect(p + "layer_norm2.weight", {h}, want(l.ln2_w), at::kFloat);
    loader.Expect(p + "layer_norm2.bias", {h}, want(l.ln2_b), at::kFloat);
    // q/k/v are loaded in float32 so that the fused, pre-scaled weight is
    // rounded to the compute dtype once.
    loader.Expect(p + "self_attn.q_proj.weight", {h, h}, want(l.q_w), at::kFloat);
    loader.Expect(p + "self_attn.q_proj.bias", {h}, want(l.q_b), at::kFloat);
    loader.Expect(p + "self_attn.k_proj.weight", {h, h}, want(l.k_w), at::kFloat);
    loader.Expect(p + "self_attn.k_proj.bias", {h}, want(l.k_b), at::kFloat);
    loader.Expect(p + "self_attn.v_proj.weight", {h, h}, want(l.v_w), at::kFloat);
    loader.Expect(p + "self_attn.v_proj.bias", {h}, want(l.v_b), at::kFloat);
    loader.Expect(p + "self_attn.out_proj.weight", {h, h}, want(l.out_w));
    loader.Expect(p + "self_attn.out_proj.bias", {h}, want(l.out_b));
    loader.Expect(p + "mlp.fc1.weight", {f, h}, want(l.fc1_w));
    loader.Expect(p + "mlp.fc1.bias", {f}, want(l.fc1_b));
    loader.Expect(p + "mlp.fc2.weight", {h, f}, want(l.fc2_w));
    loader.Expect(p + "mlp.fc2.bias", {h}, want(l.fc2_b));
  }
}

void ClipEncoder::Finalize() {
  const double scale = 1.0 / std::sqrt(static_cast<double>(config_.head_dim()));
  const bool loaded = !layers_.empty() && layers_[0].q_w.defined();
  const bool reduced_cuda = loaded && dtype_ != at::kFloat && layers_[0].q_w.is_cuda();
  if (reduced_cuda) residual_dtype_ = dtype_;
  folded_quick_gelu_ = reduced_cuda && config_.hidden_act == Activation::kQuickGelu;
  for (Layer& l : layers_) {
    if (!l.q_w.defined()) continue;
    l.qkv_w = at::cat({l.q_w * scale, l.k_w, l.v_w}, 0).to(dtype_).contiguous();
    l.qkv_b = at::cat({l.q_b * scale, l.k_b, l.v_b}, 0).to(dtype_).contiguous();
    l.q_w = l.q_b = l.k_w = l.k_b = l.v_w = l.v_b = at::Tensor();
    for (at::Tensor* t : {&l.ln1_w, &l.ln1_b, &l.ln2_w, &l.ln2_b}) *t = t->to(residual_dtype_);
    if (folded_quick_gelu_) {
      l.fc1_w.mul_(kQuickGeluScale);
      l.fc1_b.mul_(kQuickGeluScale);
      l.fc2_w.div_(kQuickGeluScale);
    }
  }
}

at::Tensor ClipEncoder::Attention(const Layer& l, const at::Tensor& x, int64_t batch, int64_t seq,
                                  const at::Tensor& mask) const {
  const int64_t heads = config_.num_attention_heads, hd = config_.head_dim();
  // [B*S, 3H] -> [3, B, heads, S, hd]
  at::Tensor qkv =
      Linear(x, l.qkv_w, l.qkv_b).view({batch, seq, 3, heads, hd}).permute({2, 0, 3, 1, 4});
  at::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
  at::Tensor ctx;  // [B, heads, S, hd]
#if PHOTOIDX_HAVE_SDPA
  if (x.is_cuda()) {
    std::optional<at::Tensor> m;
    if (mask.defined()) m = mask.to(q.scalar_type());
    ctx = at::scaled_dot_product_attention(q, k, v, m, 0.0, false, 1.0);
  }
#endif
  if (!ctx.defined()) {
    at::Tensor scores = at::matmul(q, k.transpose(-2, -1));  // [B, heads, S, S]
    if (mask.defined()) scores = scores.to(at::kFloat) + mask;
    at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(dtype_);
    ctx = at::matmul(probs, v);
  }
  ctx = ctx.permute({0, 2, 1, 3}).reshape({batch * seq, heads * hd});
  return Linear(ctx, l.out_w, l.out_b);
}

at::Tensor ClipEncoder::Mlp(const Layer& l, const at::Tensor& x) const {
  at::Tensor m = Linear(x, l.fc1_w, l.fc1_b);
  ActivateInPlace(m, config_.hidden_act, folded_quick_gelu_);
  return Linear(m, l.fc2_w, l.fc2_b);
}

at::Tensor ClipEncoder::Forward(at::Tensor h, const at::Tensor& mask,
                                std::vector<at::Tensor>* states) const {
  const int64_t batch = h.size(0), seq = h.size(1), width = h.size(2);
  const double eps = config_.layer_norm_eps;
  h = h.reshape({batch * seq, width}).to(residual_dtype_);
  for (const Layer& l : layers_) {
    at::Tensor a = LayerNorm(h, l.ln1_w, l.ln1_b, eps).to(dtype_);
    h.add_(Attention(l, a, batch, seq, mask));
    at::Tensor m = LayerNorm(h, l.ln2_w, l.ln2_b, eps).to(dtype_);
    h.add_(Mlp(l, m));
    if (states) states->push_back(h.view({batch, seq, width}).clone());
  }
  return h.view({batch, seq, width}).to(at::kFloat);
}

}  // namespace photoidx::models::clip
