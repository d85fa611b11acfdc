// BlipGenerator: a loaded BlipForConditionalGeneration (vision encoder + text
// decoder) and its generate() (transformers 4.40 semantics, see greedy.h and
// beam_search.h). The lower-level API under the torch-free Captioner in
// blip_model.h; tests use it to reach the vision states and step logits.
//
// Ownership: owns its weights (copied out of the checkpoint mapping).
// Thread safety: immutable after Load(); EncodeImages/Generate may be called
// from several threads at once.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_BLIP_GENERATOR_H_
#define PHOTOIDX_CORE_MODELS_BLIP_BLIP_GENERATOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "core/base/result.h"
#include "core/models/blip/blip_config.h"
#include "core/models/blip/blip_text_decoder.h"
#include "core/models/blip/blip_vision.h"
#include "core/models/blip/static_step.h"
#include "core/models/hf/safetensors.h"

namespace photoidx::models::blip {

struct GenerateOptions {
  // Decoder input ids, see DecoderPrompt(): [bos] when unconditional.
  std::vector<int64_t> prompt;
  int num_beams = 1;    // 1 = greedy
  int max_length = 20;  // counts the prompt
  int min_length = 0;   // counts the prompt
  double length_penalty = 1.0;  // beam search only
  // Eager or static decoder steps (static_step.h; a CUDA graph on a GPU).
  // Same ids either way; the others are for tests and comparisons.
  StepMode steps = StepMode::kAuto;
};

struct Generated {
  std::vector<int64_t> ids;  // prompt, generated ids, eos when produced
  double score = 0;          // beam search: transformers' sequences_scores; greedy: 0
};

// What generate() feeds the decoder for a prompt the processor encoded as
// [CLS] ... [SEP]: the first id becomes bos ([DEC]) and the last id is
// dropped. An empty `encoded` gives [bos].
std::vector<int64_t> DecoderPrompt(const std::vector<int64_t>& encoded, int64_t bos_token_id);

class BlipGenerator {
 public:
  // Validates every tensor of `weights` against `config` (all problems in
  // one Corruption, before any conversion) and loads them in `dtype` on
  // `device` (LayerNorm and embeddings stay float32).
  static Result<std::unique_ptr<BlipGenerator>> Load(
      const BlipConfig& config, std::shared_ptr<const hf::SafeTensors> weights,
      const at::Device& device, at::ScalarType dtype);

  // Reads <dir>/config.json and <dir>/model.safetensors, then as above.
  static Result<std::unique_ptr<BlipGenerator>> LoadDir(const std::string& dir,
                                                        const at::Device& device,
                                                        at::ScalarType dtype);

  // pixel_values [B, 3, S, S] float32 -> last_hidden_state [B, N+1, H] float32.
  Result<at::Tensor> EncodeImages(const at::Tensor& pixel_values) const;

  // One sequence per image of `image_states` ([B, N+1, H]).
  Result<std::vector<Generated>> Generate(const at::Tensor& image_states,
                                          const GenerateOptions& options) const;

  // InvalidArgument when `options` cannot run on this model (num_beams < 1,
  // empty prompt, ids outside the vocabulary, max_length beyond the
  // position embeddings).
  Status CheckOptions(const GenerateOptions& options) const;

  const BlipConfig& config() const { return config_; }
  const BlipVision& vision() const { return vision_; }
  const BlipTextDecoder& decoder() const { return decoder_; }
  at::ScalarType dtype() const { return dtype_; }
  const at::Device& device() const { return device_; }

 private:
  BlipGenerator(const BlipConfig& config, const at::Device& device, at::ScalarType dtype)
      : config_(config), device_(device), dtype_(dtype) {}

  // `workspace`: null for eager steps.
  std::vector<Generated> Greedy(const BlipImageKV& image, const GenerateOptions& options,
                                StepWorkspace* workspace) const;
  std::vector<Generated> Beam(const BlipImageKV& image, const GenerateOptions& options,
                              StepWorkspace* workspace) const;

  BlipConfig config_;
  at::Device device_;
  at::ScalarType dtype_;
  BlipVision vision_;
  BlipTextDecoder decoder_;
  // Static steps' buffers and recorded graphs, reused between calls.
  mutable WorkspacePool workspaces_;
};

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_BLIP_GENERATOR_H_
