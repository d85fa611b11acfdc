// CUDA caching-allocator probes behind the torch-free core/models/runtime.h.
// Every CUDA call is compiled only when the build found c10_cuda
// (PHOTOIDX_HAVE_CUDA, TOOLCHAIN.md: never __has_include on Debian's
// headers) and is guarded at run time by CudaAvailable().
#include "core/models/runtime.h"

#include "core/models/torch/device.h"

#if PHOTOIDX_HAVE_CUDA
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace photoidx::models {

AcceleratorMemory QueryAcceleratorMemory() {
  AcceleratorMemory m;
#if PHOTOIDX_HAVE_CUDA
  if (!torchutil::CudaAvailable()) return m;
  try {
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(c10::cuda::current_device());
    // Index 0 of every StatArray is the aggregate over the pools.
    m.allocated = stats.allocated_bytes[0].current;
    m.reserved = stats.reserved_bytes[0].current;
    m.peak = stats.allocated_bytes[0].peak;
    m.available = true;
  } catch (const std::exception&) {
    m = AcceleratorMemory{};
  }
#endif
  return m;
}

void ReleaseAcceleratorCache() {
#if PHOTOIDX_HAVE_CUDA
  if (!torchutil::CudaAvailable()) return;
  try {
    // cuBLAS keeps a workspace per stream it ran on (32 MiB each on
    // Hopper), allocated from the cache and held until cleared: without
    // this they outlive the model.
    at::cuda::clearCublasWorkspaces();
    c10::cuda::CUDACachingAllocator::emptyCache();
  } catch (const std::exception&) {
    // Nothing to release or the driver is gone: either way nothing to do.
  }
#endif
}

void ResetAcceleratorPeak() {
#if PHOTOIDX_HAVE_CUDA
  if (!torchutil::CudaAvailable()) return;
  try {
    c10::cuda::CUDACachingAllocator::resetPeakStats(c10::cuda::current_device());
  } catch (const std::exception&) {
  }
#endif
}

}  // namespace photoidx::models
