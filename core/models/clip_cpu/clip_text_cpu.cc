#include "core/models/clip_cpu/clip_text_cpu.h"

#include <algorithm>
#include <cmath>
#include <new>

#include "core/models/clip_cpu/text_ops.h"

namespace photoidx::models::clip_cpu {
namespace {

// The scratch vectors hold at most max_position_embeddings rows; sizing
// them at load keeps every query allocation-free.
Status Reserve(std::vector<float>& v, int64_t n) {
  try {
    v.assign(static_cast<size_t>(n), 0.0f);
  } catch (const std::bad_alloc&) {
    return Status::OutOfMemory("clip text (cpu)", "scratch memory");
  }
  return Status::OK();
}

}  // namespace

ClipTextCpu::ClipTextCpu(ModelInfo info, clip::ClipConfig config, tokenizer::ClipTokenizer tok,
                         std::unique_ptr<TextWeights> weights, int threads)
    : info_(std::move(info)),
      config_(config),
      tok_(std::move(tok)),
      weights_(std::move(weights)),
      threads_(threads) {
  info_.dim = static_cast<int>(config_.projection_dim);
}

Result<std::unique_ptr<ClipTextCpu>> ClipTextCpu::Load(const std::string& dir, ModelInfo info,
                                                       int threads) {
  PHOTOIDX_ASSIGN_OR_RETURN(clip::ClipConfig config, clip::LoadClipConfig(dir));
  PHOTOIDX_ASSIGN_OR_RETURN(tokenizer::ClipTokenizer tok, tokenizer::ClipTokenizer::Load(dir));
  PHOTOIDX_ASSIGN_OR_RETURN(std::unique_ptr<TextWeights> weights,
                            TextWeights::Load(dir + "/model.safetensors", config));
  const int n = SetBlasThreads(threads);
  std::unique_ptr<ClipTextCpu> tower(
      new ClipTextCpu(std::move(info), config, std::move(tok), std::move(weights), n));
  const clip::ClipTextConfig& t = config.text;
  const int64_t rows = t.max_position_embeddings, h = t.hidden_size;
  for (std::vector<float>* v : {&tower->h_, &tower->x_, &tower->q_, &tower->k_, &tower->v_,
                                &tower->ctx_}) {
    PHOTOIDX_RETURN_IF_ERROR(Reserve(*v, rows * h));
  }
  PHOTOIDX_RETURN_IF_ERROR(Reserve(tower->mlp_, rows * t.intermediate_size));
  PHOTOIDX_RETURN_IF_ERROR(Reserve(tower->attn_scratch_, rows));
  return tower;
}

std::vector<int64_t> ClipTextCpu::Tokenize(std::string_view text) const {
  const int max_length = static_cast<int>(config_.text.max_position_embeddings);
  tokenizer::Encoding e = tok_.EncodeForModel(text, max_length);
  std::vector<int64_t> ids;
  for (size_t i = 0; i < e.ids.size(); ++i) {
    if (e.attention_mask[i]) ids.push_back(e.ids[i]);
  }
  return ids;
}

int64_t ClipTextCpu::EosIndex(std::span<const int64_t> ids) const {
  if (ids.empty()) return 0;
  if (config_.text.legacy_eos_pooling()) {
    // torch.argmax: the first maximum.
    return std::max_element(ids.begin(), ids.end()) - ids.begin();
  }
  auto it = std::find(ids.begin(), ids.end(), config_.text.eos_token_id);
  return it == ids.end() ? 0 : it - ids.begin();
}

Status ClipTextCpu::CheckIds(std::span<const int64_t> ids) const {
  const clip::ClipTextConfig& t = config_.text;
  auto bad = [](const std::string& why) { return Status::InvalidArgument("clip text (cpu)", why); };
  if (ids.empty()) return bad("empty token sequence");
  if (static_cast<int64_t>(ids.size()) > t.max_position_embeddings) {
    return bad("sequence length " + std::to_string(ids.size()) +
               " exceeds max_position_embeddings " + std::to_string(t.max_position_embeddings));
  }
  for (int64_t id : ids) {
    if (id < 0 || id >= t.vocab_size) {
      return bad("token id " + std::to_string(id) + " outside the vocabulary [0, " +
                 std::to_string(t.vocab_size) + ")");
    }
  }
  return Status::OK();
}

void ClipTextCpu::Layer(const TextLayerWeights& w, int64_t first, int64_t len) {
  const clip::ClipTextConfig& t = config_.text;
  const int64_t hd = t.hidden_size, f = t.intermediate_size, nq = len - first;
  const float eps = static_cast<float>(t.layer_norm_eps);
  // Keys and values need every row; queries and outputs only rows >= first.
  LayerNorm(h_.data(), len, hd, w.ln1_w, w.ln1_b, eps, x_.data());
  Linear(x_.data() + first * hd, nq, hd, w.q_w, w.q_b, hd, q_.data());
  Linear(x_.data(), len, hd, w.k_w, w.k_b, hd, k_.data());
  Linear(x_.data(), len, hd, w.v_w, w.v_b, hd, v_.data());
  // transformers scales after the bias: (x Wq^T + bq) * head_dim^-0.5.
  const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(t.head_dim())));
  for (int64_t i = 0; i < nq * hd; ++i) q_[i] *= scale;
  CausalAttention(q_.data(), k_.data(), v_.data(), first, len, t.num_attention_heads, t.head_dim(),
                  attn_scratch_.data(), ctx_.data());
  float* h = h_.data() + first * hd;
  // out_proj into x (free again), then the residual.
  Linear(ctx_.data(), nq, hd, w.out_w, w.out_b, hd, x_.data());
  for (int64_t i = 0; i < nq * hd; ++i) h[i] += x_[i];
  LayerNorm(h, nq, hd, w.ln2_w, w.ln2_b, eps, x_.data());
  Linear(x_.data(), nq, hd, w.fc1_w, w.fc1_b, f, mlp_.data());
  Activate(mlp_.data(), static_cast<size_t>(nq * f), t.hidden_act);
  Linear(mlp_.data(), nq, f, w.fc2_w, w.fc2_b, hd, x_.data());
  for (int64_t i = 0; i < nq * hd; ++i) h[i] += x_[i];
}

Status ClipTextCpu::Forward(std::span<const int64_t> ids, std::vector<float>* pooled,
                            std::vector<float>* embedding) {
  PHOTOIDX_RETURN_IF_ERROR(CheckIds(ids));
  const clip::ClipTextConfig& t = config_.text;
  const int64_t hd = t.hidden_size, eos = EosIndex(ids), len = eos + 1;
  const float* pos = weights_->position_embedding();
  for (int64_t i = 0; i < len; ++i) {
    float* row = h_.data() + i * hd;
    weights_->TokenRow(ids[static_cast<size_t>(i)], row);
    for (int64_t j = 0; j < hd; ++j) row[j] += pos[i * hd + j];
  }
  const std::vector<TextLayerWeights>& layers = weights_->layers();
  for (size_t l = 0; l < layers.size(); ++l) {
    // After the last layer only the eos row is read.
    Layer(layers[l], l + 1 == layers.size() ? eos : 0, len);
  }
  std::vector<float> out(static_cast<size_t>(hd));
  LayerNorm(h_.data() + eos * hd, 1, hd, weights_->final_ln_w(), weights_->final_ln_b(),
            static_cast<float>(t.layer_norm_eps), out.data());
  if (embedding != nullptr) {
    embedding->assign(static_cast<size_t>(config_.projection_dim), 0.0f);
    Linear(out.data(), 1, hd, weights_->projection(), nullptr, config_.projection_dim,
           embedding->data());
    L2Normalize(embedding->data(), config_.projection_dim);
  }
  if (pooled != nullptr) *pooled = std::move(out);
  return Status::OK();
}

Result<std::vector<float>> ClipTextCpu::EmbedTexts(std::span<const std::string> texts) {
  const size_t dim = static_cast<size_t>(config_.projection_dim);
  std::vector<float> out;
  out.reserve(texts.size() * dim);
  std::vector<float> row;
  for (size_t i = 0; i < texts.size(); ++i) {
    Status st = Forward(Tokenize(texts[i]), nullptr, &row);
    if (!st.ok()) return st.WithContext("text " + std::to_string(i));
    out.insert(out.end(), row.begin(), row.end());
  }
  return out;
}

Result<std::unique_ptr<TextEmbedder>> LoadClipTextCpu(const std::string& dir, ModelInfo info,
                                                      int threads) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::unique_ptr<ClipTextCpu> tower,
                            ClipTextCpu::Load(dir, std::move(info), threads));
  return std::unique_ptr<TextEmbedder>(std::move(tower));
}

}  // namespace photoidx::models::clip_cpu
