// BlipTextDecoder: BLIP's BERT text decoder with its LM head, compatible with
// Hugging Face weights (transformers models/blip/modeling_blip_text.py:
// BlipTextLMHeadModel, BlipTextEmbeddings, BlipTextLayer,
// BlipTextSelfAttention, BlipTextLMPredictionHead).
//
// Per layer (post-LN, eps from the config):
//   x = LN(x + dense(causal_self_attention(x)))      with a key/value cache
//   x = LN(x + dense(cross_attention(x, image)))     image keys/values: ProjectImage()
//   x = LN(x + dense(gelu(intermediate(x))))
// LM head: dense -> gelu -> LN -> decoder.weight + cls.predictions.bias (its
// own weight, NOT tied to the word embeddings).
//
// Decoding cost: the image keys/values of every layer are computed once per
// image (ProjectImage), never per step; the self-attention keys/values of
// earlier positions live in a preallocated BlipKVCache, so a step only runs
// the new tokens. Rows are grouped by image: with `images` images and `rows`
// rows, rows [i*g, (i+1)*g) (g = rows / images, e.g. the beams) all attend to
// image i, so beams share their image's keys/values without copies.
//
// Thread safety: the decoder is immutable after FinishLoad(); caches and
// image keys/values belong to one caller.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_BLIP_TEXT_DECODER_H_
#define PHOTOIDX_CORE_MODELS_BLIP_BLIP_TEXT_DECODER_H_

#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

#include "core/models/blip/blip_config.h"
#include "core/models/torch/state_dict.h"

namespace photoidx::models::blip {

// Cross-attention keys/values of every layer for a set of images. Memory:
// 2 x layers x (N+1) x hidden per image in the compute dtype (BLIP-base:
// 42.5 MB float32, 21 MB bfloat16), shared by all beams of the image.
struct BlipImageKV {
  std::vector<at::Tensor> key, value;  // per layer [images, heads, Ne, d], compute dtype

  int64_t images() const { return key.empty() ? 0 : key[0].size(0); }
  // The images at `index` (int64 [n]), in that order.
  BlipImageKV Select(const at::Tensor& index) const;
};

// Self-attention keys/values of the positions decoded so far.
class BlipKVCache {
 public:
  BlipKVCache() = default;

  int64_t rows() const { return key_.empty() ? 0 : key_[0].size(0); }
  int64_t length() const { return length_; }
  int64_t capacity() const { return key_.empty() ? 0 : key_[0].size(2); }
  // Keeps the rows at `index` (int64 [n]), in that order: beam reordering,
  // beam expansion (an index with repeats) and dropping finished rows.
  void Select(const at::Tensor& index);
  // The same for an index of rows() rows, written into the tensors already
  // there: a recorded CUDA graph keeps reading the same addresses.
  void GatherInPlace(const at::Tensor& index);
  // Rows `index` of `from` (same capacity) written into this cache's
  // tensors, length and all: the beams' copies of a prompt, where a recorded
  // step reads this cache.
  void AssignRows(const BlipKVCache& from, const at::Tensor& index);
  // Length 0 and zeros, in the same tensors.
  void Reset();

 private:
  friend class BlipTextDecoder;
  std::vector<at::Tensor> key_, value_;  // per layer [rows, heads, capacity, d]
  int64_t length_ = 0;
};

class BlipTextDecoder {
 public:
  BlipTextDecoder() = default;

  // Declares every text_decoder.* tensor on `loader`. REQUIRES: this object
  // stays at the same address until loader->Finish(), then FinishLoad().
  void Declare(const BlipTextConfig& config, torchutil::StrictLoader* loader);
  // Derives the fused self-attention weights once the loader has filled the
  // declared tensors.
  void FinishLoad();

  // image_states [images, Ne, encoder_hidden] float32 -> keys/values.
  BlipImageKV ProjectImage(const at::Tensor& image_states) const;
  // The same into `kv`'s tensors when they have the shape (a recorded step
  // reads them there), else into new ones.
  void ProjectImageInto(const at::Tensor& image_states, BlipImageKV* kv) const;

  // A cache for `rows` rows and up to `capacity` positions, length 0, zeroed.
  BlipKVCache NewCache(int64_t rows, int64_t capacity) const;

  // Runs `ids` ([rows, L] int64, positions cache->length() ..) through the
  // decoder, appends their keys/values to `cache` and returns the logits of
  // the LAST position, [rows, vocab] float32. REQUIRES rows % images == 0,
  // cache->rows() == rows, cache->length() + L <= min(capacity,
  // max_position_embeddings) (else c10::Error). `hidden_states`, when
  // non-null, receives [embeddings after LayerNorm, layer 1, ..., layer L].
  at::Tensor Step(const at::Tensor& ids, const BlipImageKV& image, BlipKVCache* cache,
                  std::vector<at::Tensor>* hidden_states = nullptr) const;

  // One token per row (`ids` [rows, 1] int64 on the device) at the position
  // held in `position` (int64 [1] on the device, read on the device): its
  // keys/values are written there and the cache's whole capacity is
  // attended, later positions masked out. The shapes depend on the cache
  // only and nothing is read back to the host, so the kernels can be
  // recorded once as a CUDA graph and replayed per token (static_step.h).
  // Equals Step() at that position when the cache holds zeros beyond it
  // (NewCache does); cache->length() is not changed.
  at::Tensor StepAt(const at::Tensor& ids, const at::Tensor& position, const BlipImageKV& image,
                    BlipKVCache* cache) const;

  const BlipTextConfig& config() const { return config_; }
  at::ScalarType dtype() const { return dtype_; }
  at::Device device() const { return word_embeddings_.device(); }

 private:
  struct Layer {
    at::Tensor q_w, q_b, k_w, k_b, v_w, v_b;  // self-attention, as loaded
    at::Tensor qkv_w, qkv_b;                  // fused by FinishLoad()
    at::Tensor attn_out_w, attn_out_b, attn_ln_w, attn_ln_b;
    at::Tensor xq_w, xq_b, xk_w, xk_b, xv_w, xv_b;  // cross-attention
    at::Tensor xattn_out_w, xattn_out_b, xattn_ln_w, xattn_ln_b;
    at::Tensor inter_w, inter_b, out_w, out_b, out_ln_w, out_ln_b;
  };

  // Where a step's tokens go: positions [start, start+len) (Step), or the
  // one position in a device tensor (StepAt).
  struct Positions {
    int64_t start = 0;
    at::Tensor device;  // int64 [1]; defined for StepAt
  };

  at::Tensor Embed(const at::Tensor& ids, const Positions& where) const;
  // The additive self-attention mask of a step in the compute dtype;
  // undefined when nothing is masked.
  at::Tensor SelfMask(const Positions& where, int64_t len, int64_t capacity,
                      const at::Device& device) const;
  at::Tensor SelfAttention(const Layer& layer, const at::Tensor& x, int64_t layer_index,
                           const Positions& where, const at::Tensor& mask,
                           BlipKVCache* cache) const;
  // The layers and the LM head; `hidden_states` as in Step.
  at::Tensor Forward(const at::Tensor& ids, const Positions& where, const BlipImageKV& image,
                     BlipKVCache* cache, std::vector<at::Tensor>* hidden_states) const;
  at::Tensor CrossAttention(const Layer& layer, const at::Tensor& x, const at::Tensor& key,
                            const at::Tensor& value) const;
  at::Tensor LmHead(const at::Tensor& x) const;

  BlipTextConfig config_;
  at::ScalarType dtype_ = at::kFloat;
  at::Tensor word_embeddings_, position_embeddings_, emb_ln_w_, emb_ln_b_;
  std::vector<Layer> layers_;
  at::Tensor head_dense_w_, head_dense_b_, head_ln_w_, head_ln_b_;
  at::Tensor decoder_w_, decoder_b_;  // decoder.weight, cls.predictions.bias
};

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_BLIP_TEXT_DECODER_H_
