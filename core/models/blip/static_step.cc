#include "core/models/blip/static_step.h"

// CUDA calls only where the build found c10_cuda (TOOLCHAIN.md: Debian's
// libtorch has no CUDA headers).
#if PHOTOIDX_HAVE_CUDA
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace photoidx::models::blip {

#if PHOTOIDX_HAVE_CUDA
struct StaticStep::Graph {
  at::cuda::CUDAGraph graph;
};
#else
struct StaticStep::Graph {};
#endif

StaticStep::StaticStep(const BlipTextDecoder& decoder, const BlipImageKV& image,
                       BlipKVCache* cache, bool reorder)
    : decoder_(decoder), image_(image), cache_(cache), reorder_(reorder) {
  const auto options = at::TensorOptions().dtype(at::kLong).device(decoder.device());
  const int64_t rows = cache->rows();
  ids_ = at::zeros({rows, 1}, options);
  position_ = at::full({1}, cache->length(), options);
  if (reorder) {
    identity_ = at::arange(rows, options);
    source_ = identity_.clone();
  }
}

StaticStep::~StaticStep() {
  logits_ = at::Tensor();  // before the graph: its memory pool goes with it
  graph_.reset();
}

bool UsesStaticSteps(StepMode mode, const at::Device& device) {
  return mode == StepMode::kStatic || (mode == StepMode::kAuto && device.is_cuda());
}

std::unique_ptr<StaticStep> StaticStep::Create(StepMode mode, const BlipTextDecoder& decoder,
                                               const BlipImageKV& image, BlipKVCache* cache,
                                               bool reorder) {
  if (!UsesStaticSteps(mode, decoder.device())) return nullptr;
  std::unique_ptr<StaticStep> step(new StaticStep(decoder, image, cache, reorder));
  if (decoder.device().is_cuda()) step->Capture();
  return step;
}

at::Tensor StaticStep::Record() {
  if (reorder_) cache_->GatherInPlace(source_);
  return decoder_.StepAt(ids_, position_, image_, cache_);
}

void StaticStep::Capture() {
#if PHOTOIDX_HAVE_CUDA
  // The warm-up below writes at the next position: it must be in the cache.
  if (cache_->length() >= cache_->capacity()) return;
  // The capture runs on a side stream (the legacy default stream cannot be
  // captured); the prompt step and the image keys/values queued on the
  // current stream must be done before the warm-up reads them there.
  c10::cuda::device_synchronize();
  // One capture stream per thread, not a fresh one from the pool each time:
  // cuBLAS keeps a workspace for every stream it has run on.
  static thread_local c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
  auto graph = std::make_unique<Graph>();
  bool captured = false;
  {
    c10::cuda::CUDAStreamGuard guard(stream);
    // Warm-up outside the capture: cuBLAS handles and workspaces and the
    // attention kernels' plans are created lazily, which a capture forbids.
    // It writes the keys/values of the next position; the first Run()
    // overwrites them.
    Record();
    graph->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
    try {
      logits_ = Record();
      graph->graph.capture_end();
      captured = true;
    } catch (const std::exception&) {
      logits_ = at::Tensor();
      try {
        graph->graph.capture_end();  // ends the capture and the pool's routing
      } catch (const std::exception&) {
      }
    }
  }
  stream.synchronize();
  // Without a graph the steps still run, one kernel launch at a time.
  if (captured) graph_ = std::move(graph);
#endif
}

at::Tensor StaticStep::Run(const std::vector<int64_t>& tokens, int64_t position,
                           const std::vector<int64_t>& source) {
  TORCH_CHECK(static_cast<int64_t>(tokens.size()) == ids_.size(0), "blip static step: ",
              tokens.size(), " tokens for ", ids_.size(0), " rows");
  // Out of range would be a device-side assert on CUDA, fatal to the process.
  TORCH_CHECK(position >= 0 && position < cache_->capacity(), "blip static step: position ",
              position, " outside the cache capacity ", cache_->capacity());
  ids_.copy_(at::tensor(tokens, at::TensorOptions().dtype(at::kLong)).view({-1, 1}));
  position_.fill_(position);
  if (reorder_) {
    if (source.empty()) {
      source_.copy_(identity_);
    } else {
      TORCH_CHECK(source.size() == tokens.size(), "blip static step: ", source.size(),
                  " source rows for ", tokens.size(), " rows");
      source_.copy_(at::tensor(source, at::TensorOptions().dtype(at::kLong)));
    }
  }
#if PHOTOIDX_HAVE_CUDA
  if (graph_) {
    graph_->graph.replay();
    return logits_;
  }
#endif
  return Record();
}

std::unique_ptr<StepWorkspace> WorkspacePool::Take(const StepWorkspace::Shape& shape) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if ((*it)->shape == shape) {
        std::unique_ptr<StepWorkspace> found = std::move(*it);
        free_.erase(it);
        return found;
      }
    }
  }
  auto fresh = std::make_unique<StepWorkspace>();
  fresh->shape = shape;
  return fresh;
}

void WorkspacePool::Give(std::unique_ptr<StepWorkspace> workspace) {
  std::unique_ptr<StepWorkspace> dropped;  // freed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(workspace));
  if (free_.size() > kKeep) {
    dropped = std::move(free_.front());
    free_.erase(free_.begin());
  }
}

}  // namespace photoidx::models::blip
