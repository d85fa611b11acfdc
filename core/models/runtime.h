// Accelerator memory probes and cache release, torch-free (the pipeline and
// the metrics code include this; the implementation lives in
// core/models/torch/runtime.cc, linked through photoidx_torch).
//
// Without CUDA compiled in (or without a GPU) every query reports
// available=false and the other calls do nothing.
//
// Usage at the end of a model stage (issue 4 item 6):
//   { auto clip = LoadClipImageEmbedder(...); ... }   // destroys the weights
//   ReleaseAcceleratorCache();                         // returns cached blocks
//   Log(QueryAcceleratorMemory());
//
// Thread safety: any thread; the numbers are a snapshot of device 0.
#ifndef PHOTOIDX_CORE_MODELS_RUNTIME_H_
#define PHOTOIDX_CORE_MODELS_RUNTIME_H_

#include <cstdint>

namespace photoidx::models {

struct AcceleratorMemory {
  bool available = false;  // a CUDA device was queried
  int64_t allocated = 0;   // bytes held by live tensors
  int64_t reserved = 0;    // bytes the caching allocator holds from the driver
  int64_t peak = 0;        // peak of `allocated` since the last ResetAcceleratorPeak()
};

AcceleratorMemory QueryAcceleratorMemory();

// Returns the caching allocator's unused blocks to the driver
// (c10::cuda::CUDACachingAllocator::emptyCache()). Call after the model
// that used them is destroyed.
void ReleaseAcceleratorCache();

// Starts a new peak measurement.
void ResetAcceleratorPeak();

}  // namespace photoidx::models

#endif  // PHOTOIDX_CORE_MODELS_RUNTIME_H_
