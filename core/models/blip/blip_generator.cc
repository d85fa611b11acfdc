// Port of BlipForConditionalGeneration.generate (modeling_blip.py, v4.40):
// image states -> cross-attention keys/values once -> greedy or beam search.
#include "core/models/blip/blip_generator.h"

#include <algorithm>
#include <numeric>

#include <c10/core/InferenceMode.h>

#include "core/models/blip/beam_search.h"
#include "core/models/blip/greedy.h"
#include "core/models/torch/state_dict.h"
#include "core/models/torch/torch_error.h"

namespace photoidx::models::blip {
namespace {

bool IsIdentity(const at::Tensor& index, int64_t rows) {
  if (index.numel() != rows) return false;
  const int64_t* p = index.data_ptr<int64_t>();
  for (int64_t i = 0; i < rows; ++i) {
    if (p[i] != i) return false;
  }
  return true;
}

// Positions a call needs: max_length, and one generated token even after a
// prompt that long (as transformers does). The cache capacity and the
// workspace shape both come from here, so they always agree.
int64_t CacheCapacity(const GenerateOptions& options) {
  return std::max<int64_t>(options.max_length, static_cast<int64_t>(options.prompt.size()) + 1);
}

// Beam search over static steps. They run every item's beams at fixed rows
// (item i: rows [i*beams, (i+1)*beams)) until the end, while the search sees
// only the items still searching, packed together; this maps the search's
// rows onto the fixed ones and back.
class StaticBeamRows {
 public:
  StaticBeamRows(int64_t items, int64_t beams, int64_t position, int64_t eos_token_id)
      : rows_(items * beams),
        beams_(beams),
        position_(position),
        eos_token_id_(eos_token_id),
        active_(items) {
    std::iota(active_.begin(), active_.end(), 0);
  }

  // Runs `next` as a static step; returns the logits of the rows it describes.
  at::Tensor Logits(const BeamSearch::Next& next, StaticStep* step) {
    std::vector<int64_t> active;
    const int64_t* kept = next.kept_items.data_ptr<int64_t>();
    for (int64_t k = 0; k < next.kept_items.numel(); ++k) active.push_back(active_[kept[k]]);
    // Rows of finished items keep their place and run eos; they are ignored.
    std::vector<int64_t> source(rows_), tokens(rows_, eos_token_id_);
    std::iota(source.begin(), source.end(), 0);
    const int64_t* from = next.source_rows.data_ptr<int64_t>();
    const int64_t* token = next.tokens.data_ptr<int64_t>();
    for (int64_t r = 0; r < next.source_rows.numel(); ++r) {
      const int64_t to = active[r / beams_] * beams_ + r % beams_;
      source[to] = active_[from[r] / beams_] * beams_ + from[r] % beams_;
      tokens[to] = token[r];
    }
    active_ = std::move(active);
    at::Tensor logits = step->Run(tokens, position_++, source);
    if (static_cast<int64_t>(active_.size()) * beams_ == rows_) return logits;
    std::vector<int64_t> live;
    for (int64_t item : active_) {
      for (int64_t j = 0; j < beams_; ++j) live.push_back(item * beams_ + j);
    }
    return logits.index_select(
        0, at::tensor(live, at::TensorOptions().dtype(at::kLong)).to(logits.device()));
  }

 private:
  int64_t rows_, beams_, position_, eos_token_id_;
  std::vector<int64_t> active_;  // items of the previous logits, in order
};

}  // namespace

std::vector<int64_t> DecoderPrompt(const std::vector<int64_t>& encoded, int64_t bos_token_id) {
  if (encoded.empty()) return {bos_token_id};
  std::vector<int64_t> ids(encoded.begin(), encoded.end() - 1);
  if (ids.empty()) return {bos_token_id};
  ids[0] = bos_token_id;
  return ids;
}

Result<std::unique_ptr<BlipGenerator>> BlipGenerator::Load(
    const BlipConfig& config, std::shared_ptr<const hf::SafeTensors> weights,
    const at::Device& device, at::ScalarType dtype) {
  PHOTOIDX_RETURN_IF_ERROR(ValidateBlipConfig(config, weights->path()));
  std::unique_ptr<BlipGenerator> model(new BlipGenerator(config, device, dtype));
  torchutil::StrictLoader loader(std::move(weights), dtype, device);
  model->vision_.Declare(config.vision, &loader);
  model->decoder_.Declare(config.text, &loader);
  PHOTOIDX_RETURN_IF_ERROR(loader.Finish());
  PHOTOIDX_RETURN_IF_ERROR(
      torchutil::CatchTorch("blip: preparing weights", [&] { model->decoder_.FinishLoad(); }));
  return model;
}

Result<std::unique_ptr<BlipGenerator>> BlipGenerator::LoadDir(const std::string& dir,
                                                              const at::Device& device,
                                                              at::ScalarType dtype) {
  PHOTOIDX_ASSIGN_OR_RETURN(BlipConfig config, LoadBlipConfig(dir + "/config.json"));
  PHOTOIDX_ASSIGN_OR_RETURN(std::shared_ptr<hf::SafeTensors> weights,
                            hf::SafeTensors::Open(dir + "/model.safetensors"));
  return Load(config, std::move(weights), device, dtype);
}

Result<at::Tensor> BlipGenerator::EncodeImages(const at::Tensor& pixel_values) const {
  // On the CPU in small chunks: a batch's activations (attention scores
  // [B, 12, 577, 577], MLP [B*577, 3072]) would exceed glibc's 32 MB mmap
  // threshold, so every such tensor would be fresh mmapped memory that
  // page-faults on first touch (measured: batched attention 3x slower than
  // per image). In float32 one image at a time; in bfloat16 the linear
  // layers take 8 images (MLP 28 MB) while attention stays per image
  // (BlipVision::Attention): oneDNN's bf16 GEMM is 1.4x faster at
  // 4616 rows than at 577, float32's is not (docs/benchmarks.md).
  at::Tensor out;
  PHOTOIDX_RETURN_IF_ERROR(torchutil::CatchTorch("blip vision forward", [&] {
    c10::InferenceMode guard;
    const int64_t n = pixel_values.size(0);
    const int64_t cpu_chunk = dtype_ == at::kFloat ? 1 : 8;
    const int64_t chunk = device_.is_cpu() ? cpu_chunk : std::max<int64_t>(n, 1);
    std::vector<at::Tensor> parts;
    for (int64_t i = 0; i < n; i += chunk) {
      at::Tensor part = pixel_values.narrow(0, i, std::min(chunk, n - i)).to(device_);
      parts.push_back(vision_.Forward(part));
    }
    if (parts.empty()) {
      out = at::empty({0, config_.vision.num_positions(), config_.vision.hidden_size},
                      at::TensorOptions().device(device_));
    } else {
      out = parts.size() == 1 ? parts[0] : at::cat(parts);
    }
  }));
  return out;
}

Status BlipGenerator::CheckOptions(const GenerateOptions& options) const {
  const BlipTextConfig& t = config_.text;
  if (options.num_beams < 1) {
    return Status::InvalidArgument("blip generate", "num_beams must be >= 1");
  }
  if (options.prompt.empty()) {
    return Status::InvalidArgument("blip generate", "the decoder prompt is empty");
  }
  for (int64_t id : options.prompt) {
    if (id < 0 || id >= t.vocab_size) {
      return Status::InvalidArgument("blip generate",
                                     "prompt token id " + std::to_string(id) +
                                         " outside the vocabulary");
    }
  }
  const int64_t longest = CacheCapacity(options);
  if (longest > t.max_position_embeddings) {
    return Status::InvalidArgument(
        "blip generate", "max_length " + std::to_string(longest) + " exceeds the model's " +
                             std::to_string(t.max_position_embeddings) + " positions");
  }
  if (options.num_beams > 1 && options.num_beams * 2 > t.vocab_size) {
    return Status::InvalidArgument("blip generate", "num_beams too large for the vocabulary");
  }
  return Status::OK();
}

std::vector<Generated> BlipGenerator::Greedy(const BlipImageKV& image,
                                             const GenerateOptions& options,
                                             StepWorkspace* workspace) const {
  GreedyOptions greedy{.max_length = options.max_length,
                       .min_length = options.min_length,
                       .eos_token_id = config_.text.sep_token_id,
                       .steps = options.steps};
  std::vector<Generated> out;
  for (auto& ids : GreedySearch(decoder_, image, options.prompt, greedy, nullptr, workspace)) {
    out.push_back(Generated{std::move(ids), 0.0});
  }
  return out;
}

std::vector<Generated> BlipGenerator::Beam(const BlipImageKV& image,
                                           const GenerateOptions& options,
                                           StepWorkspace* workspace) const {
  const int64_t n = image.images(), nb = options.num_beams;
  const int64_t prompt_len = static_cast<int64_t>(options.prompt.size());
  BeamSearchOptions beam{.num_beams = options.num_beams,
                         .max_length = options.max_length,
                         .min_length = options.min_length,
                         .length_penalty = options.length_penalty,
                         .eos_token_id = config_.text.sep_token_id};
  // The prompt runs once per image; its logits and cache are then copied to
  // every beam (transformers runs the num_beams identical rows).
  const int64_t capacity = CacheCapacity(options);
  BlipKVCache cache = decoder_.NewCache(n, capacity);
  at::Tensor prompt = at::tensor(options.prompt, at::TensorOptions().dtype(at::kLong))
                          .view({1, -1}).expand({n, -1}).contiguous().to(device_);
  at::Tensor logits = decoder_.Step(prompt, image, &cache);
  at::Tensor expand = at::arange(n, at::TensorOptions().dtype(at::kLong).device(device_))
                          .repeat_interleave(nb);
  if (workspace != nullptr) {
    // Into the workspace's tensors, which its recorded step reads.
    if (workspace->cache.rows() == 0) workspace->cache = decoder_.NewCache(n * nb, capacity);
    workspace->cache.AssignRows(cache, expand);
  } else {
    cache.Select(expand);
  }
  BlipKVCache& rows_cache = workspace != nullptr ? workspace->cache : cache;
  BlipImageKV rows_image = image;
  std::unique_ptr<StaticStep> own_step;  // static steps, once a second step is needed
  StaticStep* fixed = workspace != nullptr ? workspace->step.get() : nullptr;
  bool fixed_tried = fixed != nullptr;
  StaticBeamRows fixed_rows(n, nb, prompt_len, beam.eos_token_id);
  auto next_logits = [&](const BeamSearch::Next& next) {
    if (!fixed_tried) {
      fixed_tried = true;
      own_step = StaticStep::Create(options.steps, decoder_, image, &rows_cache, /*reorder=*/true);
      fixed = own_step.get();
      if (workspace != nullptr) workspace->step = std::move(own_step);
    }
    if (fixed) return fixed_rows.Logits(next, fixed);
    if (!IsIdentity(next.source_rows, cache.rows())) cache.Select(next.source_rows.to(device_));
    if (next.items_changed) rows_image = rows_image.Select(next.kept_items.to(device_));
    return decoder_.Step(next.tokens.to(device_).view({-1, 1}), rows_image, &cache);
  };
  std::vector<Generated> out;
  for (BeamHypothesis& h : RunBeamSearch(n, options.prompt, beam,
                                         logits.index_select(0, expand), next_logits)) {
    out.push_back(Generated{std::move(h.ids), h.score});
  }
  return out;
}

Result<std::vector<Generated>> BlipGenerator::Generate(const at::Tensor& image_states,
                                                       const GenerateOptions& options) const {
  PHOTOIDX_RETURN_IF_ERROR(CheckOptions(options));
  std::vector<Generated> out;
  PHOTOIDX_RETURN_IF_ERROR(torchutil::CatchTorch("blip generate", [&] {
    c10::InferenceMode guard;
    if (image_states.size(0) == 0) return;
    const at::Tensor states = image_states.to(device_);
    if (!UsesStaticSteps(options.steps, device_)) {
      BlipImageKV image = decoder_.ProjectImage(states);
      out = options.num_beams == 1 ? Greedy(image, options, nullptr)
                                   : Beam(image, options, nullptr);
      return;
    }
    // Static steps: the buffers (and on CUDA the recorded graph) of an
    // earlier call of this shape, when there is one.
    const int64_t n = states.size(0), nb = options.num_beams;
    std::unique_ptr<StepWorkspace> workspace = workspaces_.Take(
        {.rows = n * nb, .images = n, .capacity = CacheCapacity(options), .reorder = nb > 1});
    decoder_.ProjectImageInto(states, &workspace->image);
    out = nb == 1 ? Greedy(workspace->image, options, workspace.get())
                  : Beam(workspace->image, options, workspace.get());
    workspaces_.Give(std::move(workspace));  // not after a failure: state unknown
  }));
  return out;
}

}  // namespace photoidx::models::blip
