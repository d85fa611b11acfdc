// StaticStep: BLIP decoder steps at fixed shapes, replayed as a CUDA graph
// where there is one.
//
// Why: on a GPU a decoder step at batch 32 is a few hundred small kernels
// whose launches cost more host time than the GPU spends running them
// (about 20 us of host work per op against 0.2-0.5 ms of GPU work per step).
// A graph replays the whole step with one launch (docs/benchmarks.md: 1.3-3.3x
// the captions/s of eager steps on an H100 at batch 1-32, more on a slower
// host CPU).
//
// What a graph needs is fixed shapes and fixed addresses, so a static step
// keeps every row until the end (finished rows run on; their logits are
// ignored), attends the cache's whole capacity with later positions masked
// (BlipTextDecoder::StepAt), and reads its inputs from buffers it owns:
// token ids, the position, and for beam search the row each row continues
// (the cache is reordered in place, inside the step). Rows never affect each
// other, so the ids equal those of the eager steps.
//
// Thread safety: one generate call, one thread. The capture uses the
// thread-local capture mode, so other threads may keep using CUDA.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_STATIC_STEP_H_
#define PHOTOIDX_CORE_MODELS_BLIP_STATIC_STEP_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <ATen/ATen.h>

#include "core/models/blip/blip_text_decoder.h"

namespace photoidx::models::blip {

// How generate() runs the decoder after the prompt step.
enum class StepMode {
  kAuto,    // static steps as a CUDA graph on a CUDA device, eager steps elsewhere
  kEager,   // BlipTextDecoder::Step per token; finished rows leave the batch
  kStatic,  // static steps on every device (a graph only on CUDA): runs the
            // GPU's logic on the CPU, for tests
};

// Whether `mode` runs static steps on `device`.
bool UsesStaticSteps(StepMode mode, const at::Device& device);

class StaticStep {
 public:
  // Null for kEager, and for kAuto off CUDA. `image` and `cache` must
  // outlive the step and stay where they are (no BlipKVCache::Select
  // meanwhile). `reorder`: each Run() first gathers the cache rows (beam
  // search). On CUDA the step is recorded here; when that fails the steps
  // run without a graph (slower, same ids). Throws c10::Error.
  static std::unique_ptr<StaticStep> Create(StepMode mode, const BlipTextDecoder& decoder,
                                            const BlipImageKV& image, BlipKVCache* cache,
                                            bool reorder);
  ~StaticStep();

  // Row r of the cache becomes row source[r] of the previous step (only
  // with `reorder`; empty = keep), then every row runs tokens[r] at
  // `position`. Returns the logits [rows, vocab] float32, in a buffer the
  // next Run() may overwrite.
  at::Tensor Run(const std::vector<int64_t>& tokens, int64_t position,
                 const std::vector<int64_t>& source);

  bool graphed() const { return graph_ != nullptr; }

 private:
  struct Graph;  // CUDA builds only

  StaticStep(const BlipTextDecoder& decoder, const BlipImageKV& image, BlipKVCache* cache,
             bool reorder);
  // One step from the buffers: what the graph records.
  at::Tensor Record();
  void Capture();

  const BlipTextDecoder& decoder_;
  const BlipImageKV& image_;
  BlipKVCache* cache_;
  const bool reorder_;
  at::Tensor ids_, position_, source_, identity_;  // what the step reads
  std::unique_ptr<Graph> graph_;
  at::Tensor logits_;  // what the graph writes
};

// What static steps keep between generate calls of one shape: fixed buffers
// for the image keys/values and the cache, and the step recorded against
// them. A graph is then recorded once per shape instead of once per call
// (10-19 ms on an H100: 20-30% of a batch of 32 captions).
struct StepWorkspace {
  struct Shape {
    int64_t rows = 0, images = 0, capacity = 0;
    bool reorder = false;
    bool operator==(const Shape&) const = default;
  };

  Shape shape;
  BlipImageKV image;                 // BlipTextDecoder::ProjectImageInto these
  BlipKVCache cache;                 // shape.rows x shape.capacity
  std::unique_ptr<StaticStep> step;  // recorded by the first call that needs it
};

// Workspaces not in use, by shape. A generate call takes one (a new, empty
// one when none fits) and gives it back when it succeeds; a failed call
// drops it. Keeps the most recently given few: their buffers hold GPU memory
// (the image keys/values of a batch) until the model is destroyed.
// Thread safety: Take and Give may be called from any thread.
class WorkspacePool {
 public:
  std::unique_ptr<StepWorkspace> Take(const StepWorkspace::Shape& shape);
  void Give(std::unique_ptr<StepWorkspace> workspace);

 private:
  static constexpr size_t kKeep = 2;  // a full batch's shape and the last batch's
  std::mutex mu_;
  std::vector<std::unique_ptr<StepWorkspace>> free_;  // oldest first
};

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_STATIC_STEP_H_
