// Port of transformers' BlipVisionModel (modeling_blip.py, v4.40).
#include "core/models/blip/blip_vision.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/models/blip/blip_ops_internal.h"

namespace photoidx::models::blip {

void BlipVision::Declare(const BlipVisionConfig& config, torchutil::StrictLoader* loader) {
  config_ = config;
  const int64_t h = config.hidden_size;
  const int64_t ffn = config.intermediate_size;
  const int64_t p = config.patch_size;
  const std::string e = "vision_model.embeddings.";
  // Embedding parameters are added to the float32 residual stream: keep them float32.
  loader->Expect(e + "class_embedding", {1, 1, h}, &class_embedding_, at::kFloat);
  loader->Expect(e + "patch_embedding.weight", {h, config.num_channels, p, p}, &patch_w_);
  loader->Expect(e + "patch_embedding.bias", {h}, &patch_b_);
  loader->Expect(e + "position_embedding", {1, config.num_positions(), h}, &position_embedding_,
                 at::kFloat);
  loader->Optional(e + "position_ids");
  layers_.assign(config.num_hidden_layers, Layer{});
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    Layer& l = layers_[i];
    const std::string n = "vision_model.encoder.layers." + std::to_string(i) + ".";
    loader->Expect(n + "layer_norm1.weight", {h}, &l.layer_norm1_w, at::kFloat);
    loader->Expect(n + "layer_norm1.bias", {h}, &l.layer_norm1_b, at::kFloat);
    loader->Expect(n + "self_attn.qkv.weight", {3 * h, h}, &l.qkv_w);
    loader->Expect(n + "self_attn.qkv.bias", {3 * h}, &l.qkv_b);
    loader->Expect(n + "self_attn.projection.weight", {h, h}, &l.proj_w);
    loader->Expect(n + "self_attn.projection.bias", {h}, &l.proj_b);
    loader->Expect(n + "layer_norm2.weight", {h}, &l.layer_norm2_w, at::kFloat);
    loader->Expect(n + "layer_norm2.bias", {h}, &l.layer_norm2_b, at::kFloat);
    loader->Expect(n + "mlp.fc1.weight", {ffn, h}, &l.fc1_w);
    loader->Expect(n + "mlp.fc1.bias", {ffn}, &l.fc1_b);
    loader->Expect(n + "mlp.fc2.weight", {h, ffn}, &l.fc2_w);
    loader->Expect(n + "mlp.fc2.bias", {h}, &l.fc2_b);
  }
  loader->Expect("vision_model.post_layernorm.weight", {h}, &post_ln_w_, at::kFloat);
  loader->Expect("vision_model.post_layernorm.bias", {h}, &post_ln_b_, at::kFloat);
}

at::Tensor BlipVision::Embed(const at::Tensor& pixel_values) const {
  const int64_t b = pixel_values.size(0);
  const int64_t h = config_.hidden_size;
  at::Tensor pixels = pixel_values.to(patch_w_.device(), patch_w_.scalar_type());
  // [B, H, S/P, S/P] -> [B, N, H], patches row-major from the top left.
  at::Tensor x = at::conv2d(pixels, patch_w_, patch_b_, {config_.patch_size, config_.patch_size});
  x = x.flatten(2).transpose(1, 2).to(at::kFloat);
  x = at::cat({class_embedding_.expand({b, 1, h}), x}, 1);
  TORCH_CHECK(x.size(1) == position_embedding_.size(1), "blip vision: ", x.size(1),
              " tokens but ", position_embedding_.size(1), " position embeddings (image size ",
              pixel_values.size(-1), ", expected ", config_.image_size, ")");
  return x + position_embedding_;
}

at::Tensor BlipVision::Attention(const Layer& layer, const at::Tensor& x) const {
  const int64_t b = x.size(0), n = x.size(1), h = config_.hidden_size;
  const int64_t heads = config_.num_attention_heads, d = config_.head_dim();
  // qkv columns [0,H) q, [H,2H) k, [2H,3H) v, each split as [heads, d].
  // Kept in the compute dtype: q/k/v only feed matmuls.
  at::Tensor qkv = Project(x, layer.qkv_w, layer.qkv_b).view({b, n, 3, heads, d});
  qkv = qkv.permute({2, 0, 3, 1, 4});  // [3, B, heads, N, d]
  const double scale = 1.0 / std::sqrt(static_cast<double>(d));
  at::Tensor a;
  if (x.is_cpu() && b > 1) {
    // Per image on the CPU: a batch's scores would be fresh mmapped memory
    // (BlipGenerator::EncodeImages).
    std::vector<at::Tensor> parts;
    for (int64_t i = 0; i < b; ++i) {
      parts.push_back(Attend(qkv[0][i], qkv[1][i], qkv[2][i], at::Tensor(),
                             layer.qkv_w.scalar_type(), scale));
    }
    a = at::stack(parts);
  } else {
    a = Attend(qkv[0], qkv[1], qkv[2], at::Tensor(), layer.qkv_w.scalar_type(), scale);
  }
  a = a.transpose(1, 2).reshape({b, n, h});
  return Linear(a, layer.proj_w, layer.proj_b);
}

at::Tensor BlipVision::RunLayer(const Layer& layer, const at::Tensor& x) const {
  const double eps = config_.layer_norm_eps;
  at::Tensor h = x + Attention(layer, LayerNorm(x, layer.layer_norm1_w, layer.layer_norm1_b, eps));
  at::Tensor y = LayerNorm(h, layer.layer_norm2_w, layer.layer_norm2_b, eps);
  y = Linear(Gelu(Project(y, layer.fc1_w, layer.fc1_b)), layer.fc2_w, layer.fc2_b);
  return h + y;
}

at::Tensor BlipVision::Forward(const at::Tensor& pixel_values,
                               std::vector<at::Tensor>* hidden_states) const {
  TORCH_CHECK(pixel_values.dim() == 4 && pixel_values.size(1) == config_.num_channels,
              "blip vision: pixel_values must be [B, ", config_.num_channels, ", S, S], got ",
              pixel_values.sizes());
  at::Tensor x = Embed(pixel_values);
  if (hidden_states) hidden_states->push_back(x);
  for (const Layer& layer : layers_) {
    x = RunLayer(layer, x);
    if (hidden_states) hidden_states->push_back(x);
  }
  return LayerNorm(x, post_ln_w_, post_ln_b_, config_.layer_norm_eps);
}

}  // namespace photoidx::models::blip
