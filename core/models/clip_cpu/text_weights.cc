#include "core/models/clip_cpu/text_weights.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <new>
#include <set>

#include "core/models/hf/weights_check.h"

namespace photoidx::models::clip_cpu {
namespace {

using Shape = std::vector<int64_t>;

constexpr const char* kPositionIds = "text_model.embeddings.position_ids";

// The text tower's tensors by name with their shapes (position_ids aside).
std::map<std::string, Shape> ExpectedTensors(const clip::ClipConfig& config) {
  const clip::ClipTextConfig& t = config.text;
  const int64_t h = t.hidden_size, f = t.intermediate_size;
  std::map<std::string, Shape> want;
  want["text_model.embeddings.token_embedding.weight"] = {t.vocab_size, h};
  want["text_model.embeddings.position_embedding.weight"] = {t.max_position_embeddings, h};
  want["text_model.final_layer_norm.weight"] = {h};
  want["text_model.final_layer_norm.bias"] = {h};
  want["text_projection.weight"] = {config.projection_dim, h};
  for (int64_t i = 0; i < t.num_hidden_layers; ++i) {
    const std::string p = "text_model.encoder.layers." + std::to_string(i) + ".";
    for (const char* ln : {"layer_norm1", "layer_norm2"}) {
      want[p + ln + ".weight"] = {h};
      want[p + ln + ".bias"] = {h};
    }
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      want[p + "self_attn." + proj + ".weight"] = {h, h};
      want[p + "self_attn." + proj + ".bias"] = {h};
    }
    want[p + "mlp.fc1.weight"] = {f, h};
    want[p + "mlp.fc1.bias"] = {f};
    want[p + "mlp.fc2.weight"] = {h, f};
    want[p + "mlp.fc2.bias"] = {h};
  }
  return want;
}

bool IsTextKey(const std::string& name) {
  return name.rfind("text_model.", 0) == 0 || name.rfind("text_projection.", 0) == 0;
}

// Every problem of the text keys, by kind; empty when all is right.
std::vector<std::string> Validate(const hf::SafeTensors& file,
                                  const std::map<std::string, Shape>& want) {
  hf::TensorCheck check;
  for (const auto& [name, shape] : want) check.Expect(file, name, shape);
  for (const hf::TensorView& t : file.tensors()) {
    if (IsTextKey(t.name) && !want.count(t.name) && t.name != kPositionIds) {
      check.Unexpected(t.name);
    }
  }
  return check.Problems();
}

// Starts reading a tensor used in place from disk now, in the background:
// on a cold page cache the first query then finds it (mostly) in memory
// instead of faulting it in 128 KiB at a time. Advisory only.
void Prefetch(const hf::TensorView& t) {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(t.data) & ~(page - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(t.data) + t.nbytes;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_WILLNEED);
}

}  // namespace

Result<std::unique_ptr<TextWeights>> TextWeights::Load(const std::string& path,
                                                       const clip::ClipConfig& config) {
  std::unique_ptr<TextWeights> w(new TextWeights());
  PHOTOIDX_ASSIGN_OR_RETURN(w->file_, hf::OpenWeightsFile(path, "CLIP"));
  std::vector<std::string> problems = Validate(*w->file_, ExpectedTensors(config));
  if (!problems.empty()) {
    std::string msg = "CLIP text tower: ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    return Status::Corruption(path, msg);
  }
  PHOTOIDX_RETURN_IF_ERROR(w->TakeAll(config));
  return w;
}

// A validated tensor as float32: in place when it is aligned F32, else a
// converted copy owned by this object.
Result<const float*> TextWeights::Take(const std::string& name) {
  const hf::TensorView* t = file_->Find(name);
  if (t->dtype == hf::DType::kF32 && reinterpret_cast<uintptr_t>(t->data) % alignof(float) == 0) {
    Prefetch(*t);
    return reinterpret_cast<const float*>(t->data);
  }
  std::unique_ptr<float[]> copy(new (std::nothrow) float[static_cast<size_t>(t->numel())]);
  if (!copy) return Status::OutOfMemory(file_->path(), "converting tensor '" + name + "'");
  PHOTOIDX_RETURN_IF_ERROR(hf::CopyToFloat32(*t, copy.get()));
  owned_.push_back(std::move(copy));
  return static_cast<const float*>(owned_.back().get());
}

Status TextWeights::TakeAll(const clip::ClipConfig& config) {
  hidden_ = config.text.hidden_size;
  token_emb_ = file_->Find("text_model.embeddings.token_embedding.weight");
  PHOTOIDX_ASSIGN_OR_RETURN(pos_emb_, Take("text_model.embeddings.position_embedding.weight"));
  PHOTOIDX_ASSIGN_OR_RETURN(final_ln_w_, Take("text_model.final_layer_norm.weight"));
  PHOTOIDX_ASSIGN_OR_RETURN(final_ln_b_, Take("text_model.final_layer_norm.bias"));
  PHOTOIDX_ASSIGN_OR_RETURN(proj_w_, Take("text_projection.weight"));
  layers_.resize(static_cast<size_t>(config.text.num_hidden_layers));
  for (size_t i = 0; i < layers_.size(); ++i) {
    TextLayerWeights& l = layers_[i];
    const std::string p = "text_model.encoder.layers." + std::to_string(i) + ".";
    const std::pair<const char*, const float**> fields[] = {
        {"layer_norm1.weight", &l.ln1_w},      {"layer_norm1.bias", &l.ln1_b},
        {"layer_norm2.weight", &l.ln2_w},      {"layer_norm2.bias", &l.ln2_b},
        {"self_attn.q_proj.weight", &l.q_w},   {"self_attn.q_proj.bias", &l.q_b},
        {"self_attn.k_proj.weight", &l.k_w},   {"self_attn.k_proj.bias", &l.k_b},
        {"self_attn.v_proj.weight", &l.v_w},   {"self_attn.v_proj.bias", &l.v_b},
        {"self_attn.out_proj.weight", &l.out_w}, {"self_attn.out_proj.bias", &l.out_b},
        {"mlp.fc1.weight", &l.fc1_w},          {"mlp.fc1.bias", &l.fc1_b},
        {"mlp.fc2.weight", &l.fc2_w},          {"mlp.fc2.bias", &l.fc2_b}};
    for (const auto& [suffix, dest] : fields) {
      PHOTOIDX_ASSIGN_OR_RETURN(*dest, Take(p + suffix));
    }
  }
  return Status::OK();
}

void TextWeights::TokenRow(int64_t id, float* out) const {
  const size_t elem = hf::DTypeSize(token_emb_->dtype);
  hf::TensorView row;
  row.dtype = token_emb_->dtype;
  row.shape = {hidden_};
  row.nbytes = static_cast<size_t>(hidden_) * elem;
  row.data = token_emb_->data + static_cast<size_t>(id) * row.nbytes;
  // Cannot fail: the dtype was checked to be floating at load.
  (void)hf::CopyToFloat32(row, out);
}

}  // namespace photoidx::models::clip_cpu
