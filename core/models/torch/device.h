// Where and in which precision a model runs, resolved from ModelOptions.
//
// Rules (issue 4 item 6):
//   device auto: CUDA when this build has it and a GPU is present, else CPU.
//   dtype  auto: float16 on CUDA; on the CPU bfloat16 when the CPU does
//                bfloat16 natively (/proc/cpuinfo flags avx512_bf16 or
//                amx_bf16), else float32.
//   float16 on the CPU is InvalidArgument: libtorch 1.13 has no CPU half
//   matmul or layer_norm. CUDA on a build or machine without it is
//   NotSupported.
// Float32 is the parity path; bfloat16 and float16 are speed paths.
//
// Thread safety: ResolvePlacement() and CpuHasNativeBf16() may be called from
// any thread; SetTorchThreads() changes process-wide torch state.
#ifndef PHOTOIDX_CORE_MODELS_TORCH_DEVICE_H_
#define PHOTOIDX_CORE_MODELS_TORCH_DEVICE_H_

#include <ATen/ATen.h>

#include <string>

#include "core/base/result.h"
#include "core/models/embedder.h"

namespace photoidx::models::torchutil {

struct Placement {
  at::Device device = at::kCPU;
  // The dtype of the matmul weights and activations; LayerNorm, softmax
  // and the residual stream stay float32 (see the towers).
  at::ScalarType dtype = at::kFloat;
  int threads = 1;  // intra-op threads actually set (CPU)

  // "cpu/fp32", "cuda:0/fp16" (for logs).
  std::string ToString() const;
};

// True when /proc/cpuinfo lists avx512_bf16 or amx_bf16 (read once).
bool CpuHasNativeBf16();

// True when this build has CUDA and at least one GPU is visible.
bool CudaAvailable();

// Applies the rules above and sets the torch thread count (see
// SetTorchThreads). Errors: InvalidArgument, NotSupported.
Result<Placement> ResolvePlacement(const ModelOptions& options);

// at::set_num_threads(n), n = `threads` or, when 0, the cores this process
// may run on (its CPU affinity, so a cpuset-limited container is honoured).
// libtorch 1.13 otherwise runs with 1 intra-op thread on these machines
// unless OMP_NUM_THREADS is set (TOOLCHAIN.md). Returns the number set.
int SetTorchThreads(int threads);

// "fp32", "bf16", "fp16".
const char* DTypeShortName(at::ScalarType dtype);

}  // namespace photoidx::models::torchutil

#endif  // PHOTOIDX_CORE_MODELS_TORCH_DEVICE_H_
