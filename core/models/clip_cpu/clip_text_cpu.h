// ClipTextCpu: the CLIP text tower + text projection in plain C++ over
// OpenBLAS, for search queries without libtorch (issue 4 item 10: a cold
// `photoidx search "query"` must answer in 0.5 s; dlopening the libtorch
// plugin alone costs over 1 s).
//
// Same math as core/models/clip/clip_text.cc (transformers v4.40
// CLIPTextTransformer, float32):
//   h = token_embedding[ids] + position_embedding[0..L-1]
//   per layer: h += out_proj(attn(LN1(h)));  h += fc2(act(fc1(LN2(h))))
//     attn: q = (x Wq^T + bq) * head_dim^-0.5, causal softmax per head
//   pooled = final_layer_norm(h)[eos];  embed = pooled proj^T, L2-normalised
// eos: argmax(ids) when the config's eos_token_id == 2 (the legacy
// openai/clip-vit-* rule), else the first position of eos_token_id (0 when
// absent). The causal mask makes every position after eos irrelevant, so
// only positions 0..eos are computed, and the last layer computes its
// attention output and MLP for the eos row alone.
//
//   PHOTOIDX_ASSIGN_OR_RETURN(auto tower, LoadClipTextCpu(dir, info, 0));
//   std::vector<std::string> q = {"a dog on the beach"};
//   PHOTOIDX_ASSIGN_OR_RETURN(std::vector<float> e, tower->EmbedTexts(q));
//
// Loading reads config.json, the tokenizer files and the text tensors of
// model.safetensors only (text_weights.h: checked by name, shape and dtype;
// float32 used in place from the mapping). No libtorch anywhere.
//
// Ownership: the object owns the mapping and any converted weights.
// Thread safety: EmbedTexts uses per-object scratch memory: one thread at a
// time (as embedder.h says); the const methods may run on any thread. The
// BLAS thread count is process-wide and set at load.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CPU_CLIP_TEXT_CPU_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CPU_CLIP_TEXT_CPU_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/models/clip_common/clip_config.h"
#include "core/models/clip_cpu/text_weights.h"
#include "core/models/embedder.h"
#include "core/models/tokenizer/clip_tokenizer.h"

namespace photoidx::models::clip_cpu {

class ClipTextCpu final : public TextEmbedder {
 public:
  // `dir` is a local checkpoint folder (config.json, model.safetensors,
  // vocab.json, merges.txt and the optional tokenizer configs). `info` is
  // returned by info() as given, except that dim is set to the config's
  // projection_dim. `threads` <= 0: the usable cores.
  // Errors: NotFound (a file missing), InvalidArgument / NotSupported from
  // the config (an unknown hidden_act, ...), Corruption from the weights
  // (every bad text tensor named) or the tokenizer files, OutOfMemory.
  static Result<std::unique_ptr<ClipTextCpu>> Load(const std::string& dir, ModelInfo info,
                                                   int threads);

  const ModelInfo& info() const override { return info_; }
  // bos + ids + eos, truncated to max_position_embeddings (77).
  std::vector<int64_t> Tokenize(std::string_view text) const override;
  // texts.size() * dim floats, each row L2-normalised; texts run one at a
  // time (a query is one text).
  Result<std::vector<float>> EmbedTexts(std::span<const std::string> texts) override;

  // The pooled output (final_layer_norm at the eos position, [hidden]) and
  // the L2-normalised embedding ([dim]) of one token sequence without
  // padding (as Tokenize returns). InvalidArgument when ids is empty,
  // longer than max_position_embeddings or holds an id outside the vocab.
  Status Forward(std::span<const int64_t> ids, std::vector<float>* pooled,
                 std::vector<float>* embedding);
  // The pooling position of `ids` by the config's eos rule (see above).
  int64_t EosIndex(std::span<const int64_t> ids) const;

  const clip::ClipConfig& config() const { return config_; }
  const tokenizer::ClipTokenizer& tokenizer() const { return tok_; }
  int threads() const { return threads_; }
  const TextWeights& weights() const { return *weights_; }

 private:
  ClipTextCpu(ModelInfo info, clip::ClipConfig config, tokenizer::ClipTokenizer tok,
              std::unique_ptr<TextWeights> weights, int threads);
  Status CheckIds(std::span<const int64_t> ids) const;
  // One encoder layer over h [len, hidden]; rows before `first` are inputs
  // to attention only (their outputs are not needed) and are left as is.
  void Layer(const TextLayerWeights& w, int64_t first, int64_t len);

  ModelInfo info_;
  clip::ClipConfig config_;
  tokenizer::ClipTokenizer tok_;
  std::unique_ptr<TextWeights> weights_;
  int threads_;
  // Scratch of the forward, sized for max_position_embeddings at load.
  std::vector<float> h_, x_, q_, k_, v_, ctx_, mlp_, attn_scratch_;
};

// The factory the CLI calls (see ClipTextCpu::Load).
Result<std::unique_ptr<TextEmbedder>> LoadClipTextCpu(const std::string& dir, ModelInfo info,
                                                      int threads);

}  // namespace photoidx::models::clip_cpu

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CPU_CLIP_TEXT_CPU_H_
