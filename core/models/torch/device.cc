#include "core/models/torch/device.h"

#include <ATen/Parallel.h>
#include <sched.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#if PHOTOIDX_HAVE_CUDA
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace photoidx::models::torchutil {
namespace {

bool ReadCpuBf16Flag() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line);
    std::string w;
    while (words >> w) {
      if (w == "avx512_bf16" || w == "amx_bf16") return true;
    }
    return false;  // every core lists the same flags
  }
  return false;
}

Result<at::Device> ResolveDevice(Device device) {
  switch (device) {
    case Device::kCpu:
      return at::Device(at::kCPU);
    case Device::kCuda:
      if (!CudaAvailable()) {
        return Status::NotSupported("--device cuda",
                                    "this build has no CUDA support or no GPU is visible");
      }
      return at::Device(at::kCUDA, 0);
    case Device::kAuto:
      break;
  }
  return CudaAvailable() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
}

Result<at::ScalarType> ResolveDType(DType dtype, const at::Device& device) {
  bool cuda = device.is_cuda();
  switch (dtype) {
    case DType::kFp32:
      return at::kFloat;
    case DType::kBf16:
      return at::kBFloat16;
    case DType::kFp16:
      if (!cuda) {
        return Status::InvalidArgument(
            "--dtype fp16",
            "float16 runs on CUDA only (libtorch has no CPU half matmul); "
            "use bf16 or fp32 on the CPU");
      }
      return at::kHalf;
    case DType::kAuto:
      break;
  }
  if (cuda) return at::kHalf;
  return CpuHasNativeBf16() ? at::kBFloat16 : at::kFloat;
}

// Cores this process may run on (a cpuset or taskset limits them; the
// hardware count would oversubscribe a container).
int UsableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace

std::string Placement::ToString() const { return device.str() + "/" + DTypeShortName(dtype); }

bool CpuHasNativeBf16() {
  static const bool has = ReadCpuBf16Flag();
  return has;
}

bool CudaAvailable() {
#if PHOTOIDX_HAVE_CUDA
  try {
    return at::hasCUDA() && c10::cuda::device_count() > 0;
  } catch (const std::exception&) {
    return false;
  }
#else
  return false;
#endif
}

int SetTorchThreads(int threads) {
  const int n = threads > 0 ? threads : UsableCores();
  if (at::get_num_threads() != n) at::set_num_threads(n);
  return n;
}

Result<Placement> ResolvePlacement(const ModelOptions& options) {
  Placement p;
  PHOTOIDX_ASSIGN_OR_RETURN(p.device, ResolveDevice(options.device));
  PHOTOIDX_ASSIGN_OR_RETURN(p.dtype, ResolveDType(options.dtype, p.device));
  p.threads = SetTorchThreads(options.threads);
  return p;
}

const char* DTypeShortName(at::ScalarType dtype) {
  switch (dtype) {
    case at::kFloat:
      return "fp32";
    case at::kBFloat16:
      return "bf16";
    case at::kHalf:
      return "fp16";
    default:
      return "other";
  }
}

}  // namespace photoidx::models::torchutil
