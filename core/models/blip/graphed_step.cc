#include "core/models/blip/graphed_step.h"

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
namespace {

class CudaGraphedStep : public GraphedStep {
 public:
  CudaGraphedStep(const BlipTextDecoder& decoder, const BlipImageKV& image, BlipKVCache* cache,
                  bool reorder)
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

  ~CudaGraphedStep() override {
    logits_ = at::Tensor();  // the graph's memory pool goes with the graph
  }

  // Returns false (and leaves the stream usable) when the capture fails.
  bool Capture() {
    // The capture runs on a side stream (the legacy default stream cannot
    // be captured); the prompt step and the image keys/values queued on the
    // current stream must be done before the warm-up reads them there.
    c10::cuda::device_synchronize();
    // One capture stream per thread, not a fresh one from the pool each
    // time: cuBLAS keeps a workspace for every stream it has run on.
    static thread_local c10::cuda::CUDAStream stream = c10::cuda::getStreamFromPool();
    bool captured = false;
    {
      c10::cuda::CUDAStreamGuard guard(stream);
      // Warm-up outside the capture: cuBLAS handles and workspaces are
      // created lazily, which a capture forbids. It writes the keys/values
      // of the next position, which the first Run() overwrites.
      Record();
      graph_.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
      try {
        logits_ = Record();
        graph_.capture_end();
        captured = true;
      } catch (const std::exception&) {
        logits_ = at::Tensor();
        try {
          graph_.capture_end();  // ends the capture and the pool's routing
        } catch (const std::exception&) {
        }
      }
    }
    stream.synchronize();
    return captured;
  }

  at::Tensor Run(const std::vector<int64_t>& tokens, int64_t position,
                 const std::vector<int64_t>& source) override {
    TORCH_CHECK(static_cast<int64_t>(tokens.size()) == ids_.size(0), "blip graphed step: ",
                tokens.size(), " tokens for ", ids_.size(0), " rows");
    ids_.copy_(at::tensor(tokens, at::TensorOptions().dtype(at::kLong)).view({-1, 1}));
    // Out of range would be a device-side assert, fatal to the process.
    TORCH_CHECK(position >= 0 && position < cache_->capacity(), "blip graphed step: position ",
                position, " outside the cache capacity ", cache_->capacity());
    position_.fill_(position);
    if (reorder_) {
      if (source.empty()) {
        source_.copy_(identity_);
      } else {
        TORCH_CHECK(source.size() == tokens.size(), "blip graphed step: ", source.size(),
                    " source rows for ", tokens.size(), " rows");
        source_.copy_(at::tensor(source, at::TensorOptions().dtype(at::kLong)));
      }
    }
    graph_.replay();
    return logits_;
  }

 private:
  at::Tensor Record() {
    if (reorder_) cache_->GatherInPlace(source_);
    return decoder_.StepAt(ids_, position_, image_, cache_);
  }

  const BlipTextDecoder& decoder_;
  const BlipImageKV& image_;
  BlipKVCache* cache_;
  const bool reorder_;
  at::Tensor ids_, position_, source_, identity_;  // what the graph reads
  at::cuda::CUDAGraph graph_;
  at::Tensor logits_;  // what it writes
};

}  // namespace
#endif  // PHOTOIDX_HAVE_CUDA

std::unique_ptr<GraphedStep> GraphedStep::Create(const BlipTextDecoder& decoder,
                                                 const BlipImageKV& image, BlipKVCache* cache,
                                                 bool reorder) {
#if PHOTOIDX_HAVE_CUDA
  if (!decoder.device().is_cuda() || cache->length() >= cache->capacity()) return nullptr;
  auto step = std::make_unique<CudaGraphedStep>(decoder, image, cache, reorder);
  // A failed capture falls back to the eager steps: slower, same results.
  if (!step->Capture()) return nullptr;
  return step;
#else
  (void)decoder;
  (void)image;
  (void)cache;
  (void)reorder;
  return nullptr;
#endif
}

}  // namespace photoidx::models::blip
