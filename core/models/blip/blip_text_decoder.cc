// Port of transformers' BlipTextLMHeadModel (modeling_blip_text.py, v4.40)
// for incremental decoding.
#include "core/models/blip/blip_text_decoder.h"

#include <cmath>
#include <limits>
#include <string>

#include "core/models/blip/blip_ops_internal.h"

namespace photoidx::models::blip {
namespace {

// Declares "<prefix>.weight" [out, in] in the model dtype and "<prefix>.bias" [out].
void ExpectLinear(torchutil::StrictLoader* loader, const std::string& prefix, int64_t out,
                  int64_t in, at::Tensor* w, at::Tensor* b) {
  loader->Expect(prefix + ".weight", {out, in}, w);
  loader->Expect(prefix + ".bias", {out}, b);
}

// LayerNorm parameters stay float32 whatever the model dtype.
void ExpectLayerNorm(torchutil::StrictLoader* loader, const std::string& prefix, int64_t n,
                     at::Tensor* w, at::Tensor* b) {
  loader->Expect(prefix + ".weight", {n}, w, at::kFloat);
  loader->Expect(prefix + ".bias", {n}, b, at::kFloat);
}

}  // namespace

BlipImageKV BlipImageKV::Select(const at::Tensor& index) const {
  BlipImageKV out;
  for (size_t i = 0; i < key.size(); ++i) {
    out.key.push_back(key[i].index_select(0, index));
    out.value.push_back(value[i].index_select(0, index));
  }
  return out;
}

void BlipKVCache::Select(const at::Tensor& index) {
  for (size_t i = 0; i < key_.size(); ++i) {
    key_[i] = key_[i].index_select(0, index);
    value_[i] = value_[i].index_select(0, index);
  }
}

void BlipKVCache::GatherInPlace(const at::Tensor& index) {
  for (size_t i = 0; i < key_.size(); ++i) {
    key_[i].copy_(key_[i].index_select(0, index));
    value_[i].copy_(value_[i].index_select(0, index));
  }
}

void BlipKVCache::AssignRows(const BlipKVCache& from, const at::Tensor& index) {
  TORCH_CHECK(from.key_.size() == key_.size() && from.capacity() == capacity() &&
                  index.numel() == rows(),
              "blip cache: cannot take ", index.numel(), " rows of capacity ", from.capacity(),
              " into ", rows(), " rows of capacity ", capacity());
  for (size_t i = 0; i < key_.size(); ++i) {
    key_[i].copy_(from.key_[i].index_select(0, index));
    value_[i].copy_(from.value_[i].index_select(0, index));
  }
  length_ = from.length_;
}

void BlipKVCache::Reset() {
  for (size_t i = 0; i < key_.size(); ++i) {
    key_[i].zero_();
    value_[i].zero_();
  }
  length_ = 0;
}

void BlipTextDecoder::Declare(const BlipTextConfig& config, torchutil::StrictLoader* loader) {
  config_ = config;
  const int64_t h = config.hidden_size, enc = config.encoder_hidden_size;
  const int64_t ffn = config.intermediate_size, vocab = config.vocab_size;
  const std::string e = "text_decoder.bert.embeddings.";
  loader->Expect(e + "word_embeddings.weight", {vocab, h}, &word_embeddings_, at::kFloat);
  loader->Expect(e + "position_embeddings.weight", {config.max_position_embeddings, h},
                 &position_embeddings_, at::kFloat);
  ExpectLayerNorm(loader, e + "LayerNorm", h, &emb_ln_w_, &emb_ln_b_);
  loader->Optional(e + "position_ids");
  layers_.assign(config.num_hidden_layers, Layer{});
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    Layer& l = layers_[i];
    const std::string n = "text_decoder.bert.encoder.layer." + std::to_string(i) + ".";
    ExpectLinear(loader, n + "attention.self.query", h, h, &l.q_w, &l.q_b);
    ExpectLinear(loader, n + "attention.self.key", h, h, &l.k_w, &l.k_b);
    ExpectLinear(loader, n + "attention.self.value", h, h, &l.v_w, &l.v_b);
    ExpectLinear(loader, n + "attention.output.dense", h, h, &l.attn_out_w, &l.attn_out_b);
    ExpectLayerNorm(loader, n + "attention.output.LayerNorm", h, &l.attn_ln_w, &l.attn_ln_b);
    ExpectLinear(loader, n + "crossattention.self.query", h, h, &l.xq_w, &l.xq_b);
    ExpectLinear(loader, n + "crossattention.self.key", h, enc, &l.xk_w, &l.xk_b);
    ExpectLinear(loader, n + "crossattention.self.value", h, enc, &l.xv_w, &l.xv_b);
    ExpectLinear(loader, n + "crossattention.output.dense", h, h, &l.xattn_out_w, &l.xattn_out_b);
    ExpectLayerNorm(loader, n + "crossattention.output.LayerNorm", h, &l.xattn_ln_w,
                    &l.xattn_ln_b);
    ExpectLinear(loader, n + "intermediate.dense", ffn, h, &l.inter_w, &l.inter_b);
    ExpectLinear(loader, n + "output.dense", h, ffn, &l.out_w, &l.out_b);
    ExpectLayerNorm(loader, n + "output.LayerNorm", h, &l.out_ln_w, &l.out_ln_b);
  }
  const std::string c = "text_decoder.cls.predictions.";
  ExpectLinear(loader, c + "transform.dense", h, h, &head_dense_w_, &head_dense_b_);
  ExpectLayerNorm(loader, c + "transform.LayerNorm", h, &head_ln_w_, &head_ln_b_);
  loader->Expect(c + "decoder.weight", {vocab, h}, &decoder_w_);
  loader->Expect(c + "bias", {vocab}, &decoder_b_);
  // The tied duplicate of cls.predictions.bias, dropped by save_pretrained
  // but present in some conversions: same values, never needed.
  loader->Optional(c + "decoder.bias");
}

void BlipTextDecoder::FinishLoad() {
  for (Layer& l : layers_) {
    l.qkv_w = at::cat({l.q_w, l.k_w, l.v_w}, 0);
    l.qkv_b = at::cat({l.q_b, l.k_b, l.v_b}, 0);
    l.q_w = l.k_w = l.v_w = l.q_b = l.k_b = l.v_b = at::Tensor();
  }
  dtype_ = decoder_w_.scalar_type();
}

BlipImageKV BlipTextDecoder::ProjectImage(const at::Tensor& image_states) const {
  BlipImageKV kv;
  ProjectImageInto(image_states, &kv);
  return kv;
}

void BlipTextDecoder::ProjectImageInto(const at::Tensor& image_states, BlipImageKV* kv) const {
  const int64_t n = image_states.size(0), ne = image_states.size(1);
  const int64_t heads = config_.num_attention_heads, d = config_.head_dim();
  at::Tensor states = image_states.to(word_embeddings_.device(), at::kFloat);
  const bool reuse = kv->key.size() == layers_.size() &&
                     kv->key[0].sizes() == at::IntArrayRef({n, heads, ne, d});
  if (!reuse) kv->key.assign(layers_.size(), at::Tensor());
  if (!reuse) kv->value.assign(layers_.size(), at::Tensor());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    // [images, Ne, H] -> [images, heads, Ne, d], kept in the compute dtype.
    at::Tensor k = Project(states, l.xk_w, l.xk_b).view({n, ne, heads, d}).transpose(1, 2);
    at::Tensor v = Project(states, l.xv_w, l.xv_b).view({n, ne, heads, d}).transpose(1, 2);
    if (reuse) {
      kv->key[i].copy_(k);
      kv->value[i].copy_(v);
    } else {
      kv->key[i] = k.contiguous();
      kv->value[i] = v.contiguous();
    }
  }
}

BlipKVCache BlipTextDecoder::NewCache(int64_t rows, int64_t capacity) const {
  BlipKVCache cache;
  auto options = at::TensorOptions().dtype(dtype_).device(word_embeddings_.device());
  const int64_t heads = config_.num_attention_heads, d = config_.head_dim();
  for (size_t i = 0; i < layers_.size(); ++i) {
    // Zeros, not garbage: StepAt attends the whole capacity, and a masked
    // position still multiplies its value by a zero probability (NaN * 0).
    cache.key_.push_back(at::zeros({rows, heads, capacity, d}, options));
    cache.value_.push_back(at::zeros({rows, heads, capacity, d}, options));
  }
  return cache;
}

at::Tensor BlipTextDecoder::Embed(const at::Tensor& ids, const Positions& where) const {
  at::Tensor position = where.device.defined()
                            ? position_embeddings_.index_select(0, where.device)
                            : position_embeddings_.narrow(0, where.start, ids.size(1));
  at::Tensor x = at::embedding(word_embeddings_, ids) + position;
  return LayerNorm(x, emb_ln_w_, emb_ln_b_, config_.layer_norm_eps);
}

at::Tensor BlipTextDecoder::SelfMask(const Positions& where, int64_t len, int64_t capacity,
                                     const at::Device& device) const {
  const auto longs = at::TensorOptions().dtype(at::kLong).device(device);
  const auto floats = at::TensorOptions().dtype(at::kFloat).device(device);
  const float masked = std::numeric_limits<float>::lowest();  // finfo.min, as in HF
  if (where.device.defined()) {
    // The whole capacity, positions after the device position masked.
    at::Tensor future = at::arange(capacity, longs) > where.device;
    return at::zeros({capacity}, floats)
        .masked_fill_(future, masked)
        .view({1, 1, 1, capacity})  // SDPA wants [.., Lq, Lk]
        .to(dtype_);
  }
  if (len == 1) return at::Tensor();  // one new position sees every earlier one
  // Causal: new position start+i sees keys 0..start+i.
  const int64_t total = where.start + len;
  at::Tensor pos = at::arange(total, longs);
  at::Tensor future = pos.view({1, total}) > pos.narrow(0, where.start, len).view({len, 1});
  return at::zeros({len, total}, floats).masked_fill_(future, masked).view({1, 1, len, total}).to(
      dtype_);
}

at::Tensor BlipTextDecoder::SelfAttention(const Layer& l, const at::Tensor& x,
                                          int64_t layer_index, const Positions& where,
                                          const at::Tensor& mask, BlipKVCache* cache) const {
  const int64_t rows = x.size(0), len = x.size(1), h = config_.hidden_size;
  const int64_t heads = config_.num_attention_heads, d = config_.head_dim();
  at::Tensor qkv = Project(x, l.qkv_w, l.qkv_b).view({rows, len, 3, heads, d});
  qkv = qkv.permute({2, 0, 3, 1, 4});  // [3, rows, heads, L, d]
  at::Tensor& kbuf = cache->key_[layer_index];
  at::Tensor& vbuf = cache->value_[layer_index];
  at::Tensor keys = kbuf, values = vbuf;
  if (where.device.defined()) {
    // Static shapes: written at the device position, the whole capacity
    // attended (the mask hides what lies beyond).
    kbuf.index_copy_(2, where.device, qkv[1]);
    vbuf.index_copy_(2, where.device, qkv[2]);
  } else {
    kbuf.narrow(2, where.start, len).copy_(qkv[1]);
    vbuf.narrow(2, where.start, len).copy_(qkv[2]);
    keys = kbuf.narrow(2, 0, where.start + len);
    values = vbuf.narrow(2, 0, where.start + len);
  }
  at::Tensor a =
      Attend(qkv[0], keys, values, mask, dtype_, 1.0 / std::sqrt(static_cast<double>(d)));
  return a.transpose(1, 2).reshape({rows, len, h});
}

at::Tensor BlipTextDecoder::CrossAttention(const Layer& l, const at::Tensor& x,
                                           const at::Tensor& key, const at::Tensor& value) const {
  const int64_t rows = x.size(0), len = x.size(1), h = config_.hidden_size;
  const int64_t heads = config_.num_attention_heads, d = config_.head_dim();
  const int64_t images = key.size(0), group = rows / images;
  // Rows of one image become extra queries of that image: [images, heads, g*L, d].
  at::Tensor q = Project(x, l.xq_w, l.xq_b)
                     .view({images, group, len, heads, d})
                     .permute({0, 3, 1, 2, 4})
                     .reshape({images, heads, group * len, d});
  at::Tensor a = Attend(q, key, value, at::Tensor(), dtype_,  // [images, heads, g*L, d]
                        1.0 / std::sqrt(static_cast<double>(d)));
  return a.view({images, heads, group, len, d}).permute({0, 2, 3, 1, 4}).reshape({rows, len, h});
}

at::Tensor BlipTextDecoder::LmHead(const at::Tensor& x) const {
  at::Tensor y = Gelu(Linear(x, head_dense_w_, head_dense_b_));  // LayerNorm next: float32
  y = LayerNorm(y, head_ln_w_, head_ln_b_, config_.layer_norm_eps);
  return Linear(y, decoder_w_, decoder_b_);
}

at::Tensor BlipTextDecoder::Step(const at::Tensor& ids, const BlipImageKV& image,
                                 BlipKVCache* cache, std::vector<at::Tensor>* hidden_states) const {
  const int64_t len = ids.size(1), start = cache->length_;
  TORCH_CHECK(start + len <= cache->capacity() && start + len <= config_.max_position_embeddings,
              "blip decoder: position ", start + len, " beyond the cache capacity ",
              cache->capacity(), " or max_position_embeddings ", config_.max_position_embeddings);
  at::Tensor logits = Forward(ids, Positions{.start = start, .device = at::Tensor()}, image, cache,
                                hidden_states);
  cache->length_ = start + len;
  return logits;
}

at::Tensor BlipTextDecoder::StepAt(const at::Tensor& ids, const at::Tensor& position,
                                   const BlipImageKV& image, BlipKVCache* cache) const {
  TORCH_CHECK(ids.dim() == 2 && ids.size(1) == 1, "blip decoder: StepAt takes one token per row");
  TORCH_CHECK(cache->capacity() <= config_.max_position_embeddings, "blip decoder: capacity ",
              cache->capacity(), " beyond max_position_embeddings ",
              config_.max_position_embeddings);
  return Forward(ids, Positions{.device = position}, image, cache, nullptr);
}

at::Tensor BlipTextDecoder::Forward(const at::Tensor& ids, const Positions& where,
                                    const BlipImageKV& image, BlipKVCache* cache,
                                    std::vector<at::Tensor>* hidden_states) const {
  const int64_t rows = ids.size(0), len = ids.size(1);
  TORCH_CHECK(image.images() > 0 && rows % image.images() == 0, "blip decoder: ", rows,
              " rows for ", image.images(), " images");
  TORCH_CHECK(cache->rows() == rows, "blip decoder: cache has ", cache->rows(), " rows, ids ",
              rows);
  const double eps = config_.layer_norm_eps;
  at::Tensor x = Embed(ids.to(word_embeddings_.device()), where);
  if (hidden_states) hidden_states->push_back(x);
  // Once per step, not per layer: a graphed step is bound by its kernel count.
  const at::Tensor mask = SelfMask(where, len, cache->capacity(), x.device());
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    at::Tensor a = SelfAttention(l, x, static_cast<int64_t>(i), where, mask, cache);
    x = LayerNorm(x + Linear(a, l.attn_out_w, l.attn_out_b), l.attn_ln_w, l.attn_ln_b, eps);
    a = CrossAttention(l, x, image.key[i], image.value[i]);
    x = LayerNorm(x + Linear(a, l.xattn_out_w, l.xattn_out_b), l.xattn_ln_w, l.xattn_ln_b, eps);
    a = Linear(Gelu(Project(x, l.inter_w, l.inter_b)), l.out_w, l.out_b);
    x = LayerNorm(x + a, l.out_ln_w, l.out_ln_b, eps);
    if (hidden_states) hidden_states->push_back(x);
  }
  return LmHead(x.select(1, len - 1));
}

}  // namespace photoidx::models::blip
