// GraphedStep: a BLIP decoder step recorded once as a CUDA graph and
// replayed for every token of a generate call.
//
// Why: on a GPU a decoder step at batch 32 is a few hundred small kernels
// whose launches cost more CPU time than the GPU spends running them (about
// 20 us of host work per op against 0.2-0.5 ms of GPU work per step). A
// graph replays the whole step with one launch.
//
// What it needs: fixed shapes and fixed addresses. The rows never change
// (finished rows keep running and their logits are ignored), the cache is
// attended over its whole capacity with later positions masked
// (BlipTextDecoder::StepAt), and the inputs are copied into buffers the graph
// reads: token ids, the position, and for beam search the row each row
// continues (the cache is reordered in place, inside the graph).
//
// Available only in builds that found c10_cuda (PHOTOIDX_HAVE_CUDA) and for a
// decoder on a CUDA device; Create() returns null otherwise and callers run
// the eager steps.
//
// Thread safety: one generate call, one thread. Capture uses the
// thread-local capture mode, so other threads may keep using CUDA meanwhile.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_GRAPHED_STEP_H_
#define PHOTOIDX_CORE_MODELS_BLIP_GRAPHED_STEP_H_

#include <cstdint>
#include <memory>
#include <vector>

#include <ATen/ATen.h>

#include "core/models/blip/blip_text_decoder.h"

namespace photoidx::models::blip {

class GraphedStep {
 public:
  // Records StepAt for cache->rows() rows against `image` and `cache`,
  // which must outlive this object and stay where they are (no
  // BlipKVCache::Select while it lives). `reorder`: each Run() first
  // gathers the cache rows (beam search). Null when graphs are unavailable
  // (see above). Throws c10::Error when the capture fails.
  static std::unique_ptr<GraphedStep> Create(const BlipTextDecoder& decoder,
                                             const BlipImageKV& image, BlipKVCache* cache,
                                             bool reorder);
  virtual ~GraphedStep() = default;

  // Row r of the cache becomes row source[r] of the previous step (only
  // with `reorder`; empty = keep), then every row runs tokens[r] at
  // `position`. Returns the logits [rows, vocab] float32 in a buffer the
  // next Run() overwrites.
  virtual at::Tensor Run(const std::vector<int64_t>& tokens, int64_t position,
                         const std::vector<int64_t>& source) = 0;
};

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_GRAPHED_STEP_H_
