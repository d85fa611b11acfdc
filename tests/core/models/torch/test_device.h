// The device the model parity tests run on: the CPU, or the GPU when
// PHOTOIDX_TEST_DEVICE=cuda (how the tests are run on the CUDA machine, so
// that the same float32 parity checks cover both). Asking for CUDA where
// there is none fails the tests instead of silently testing the CPU.
#ifndef PHOTOIDX_TESTS_CORE_MODELS_TORCH_TEST_DEVICE_H_
#define PHOTOIDX_TESTS_CORE_MODELS_TORCH_TEST_DEVICE_H_

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/models/torch/device.h"

namespace photoidx::models::test {

inline at::Device TestDevice() {
  const char* env = std::getenv("PHOTOIDX_TEST_DEVICE");
  if (env == nullptr || std::string(env) != "cuda") return at::Device(at::kCPU);
  EXPECT_TRUE(torchutil::CudaAvailable()) << "PHOTOIDX_TEST_DEVICE=cuda but no CUDA device";
  return at::Device(at::kCUDA, 0);
}

}  // namespace photoidx::models::test

#endif  // PHOTOIDX_TESTS_CORE_MODELS_TORCH_TEST_DEVICE_H_
