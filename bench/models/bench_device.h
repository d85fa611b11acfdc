// Device plumbing shared by the model benches: --device parsing and the
// synchronisation a CUDA timing needs (kernels are asynchronous; a timer
// around an unsynchronised launch measures the launch, not the work).
// CUDA calls are compiled only when the build found c10_cuda.
#ifndef PHOTOIDX_BENCH_MODELS_BENCH_DEVICE_H_
#define PHOTOIDX_BENCH_MODELS_BENCH_DEVICE_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include <ATen/ATen.h>

#include "core/models/torch/device.h"

#if PHOTOIDX_HAVE_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace photoidx::bench {

inline at::Device ParseBenchDevice(const std::string& s) {
  if (s == "cpu") return at::Device(at::kCPU);
  if (s == "cuda" && models::torchutil::CudaAvailable()) return at::Device(at::kCUDA, 0);
  std::fprintf(stderr, "device %s: unknown, or no CUDA in this build / machine\n", s.c_str());
  std::exit(2);
}

inline at::ScalarType ParseBenchDType(const std::string& s, const at::Device& device) {
  if (s == "fp32") return at::kFloat;
  if (s == "bf16") return at::kBFloat16;
  if (s == "fp16" && device.is_cuda()) return at::kHalf;
  std::fprintf(stderr, "dtype %s: unknown here (fp32, bf16; fp16 on CUDA)\n", s.c_str());
  std::exit(2);
}

// Waits for every kernel queued on the device.
inline void Sync(const at::Device& device) {
#if PHOTOIDX_HAVE_CUDA
  if (device.is_cuda()) c10::cuda::device_synchronize();
#else
  (void)device;
#endif
}

}  // namespace photoidx::bench

#endif  // PHOTOIDX_BENCH_MODELS_BENCH_DEVICE_H_
