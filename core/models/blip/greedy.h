// Greedy decoding exactly as transformers 4.40 runs it for
// BlipForConditionalGeneration.generate(num_beams=1, do_sample=False):
// argmax of the raw last-position logits each step (eos forbidden while the
// sequence, prompt included, is shorter than min_length); a row stops at eos
// or when the sequence reaches max_length. At least one token is generated
// even when the prompt is already max_length long (as transformers does).
//
// Rows that finish are dropped from the decoder's batch (transformers keeps
// computing them with pad tokens), except in static steps (a CUDA graph's
// shapes are fixed): there they run on and their logits are ignored. Rows never
// affect each other, so a batch gives what each image gives alone.
//
// Thread safety: uses the decoder read-only; one call per thread.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_GREEDY_H_
#define PHOTOIDX_CORE_MODELS_BLIP_GREEDY_H_

#include <cstdint>
#include <functional>
#include <vector>

#include <ATen/ATen.h>

#include "core/models/blip/blip_text_decoder.h"
#include "core/models/blip/static_step.h"

namespace photoidx::models::blip {

struct GreedyOptions {
  int max_length = 20;  // counts the prompt
  int min_length = 0;   // counts the prompt
  int64_t eos_token_id = 102;
  // Eager or static steps (static_step.h: every row stays in the batch
  // until the end; a CUDA graph on a GPU). Same ids either way.
  StepMode steps = StepMode::kAuto;
};

// Called with the raw logits [rows, vocab] of each step's running rows
// before the argmax; `items[r]` is the image of row r. For tests and
// debugging.
using GreedyObserver =
    std::function<void(int step, const std::vector<int64_t>& items, const at::Tensor& logits)>;

// Decodes one sequence per image of `image` (see BlipTextDecoder::ProjectImage),
// every one starting from `prompt`. Returns prompt + generated ids (+ eos
// when produced) per image. With static steps, `workspace` (optional; its
// `image` is `image`, its shape fits) lends its cache and recorded step.
// Throws c10::Error (run under CatchTorch).
std::vector<std::vector<int64_t>> GreedySearch(const BlipTextDecoder& decoder,
                                               const BlipImageKV& image,
                                               const std::vector<int64_t>& prompt,
                                               const GreedyOptions& options,
                                               const GreedyObserver& observer = nullptr,
                                               StepWorkspace* workspace = nullptr);

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_GREEDY_H_
