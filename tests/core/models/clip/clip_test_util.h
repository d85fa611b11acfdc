// Helpers for the CLIP model tests: the two shared tiny checkpoints and
// their reference outputs (tests/data/reference/*.expected.safetensors,
// copied from ../shared/fixtures; see PROVENANCE.md there).
#ifndef PHOTOIDX_TESTS_CORE_MODELS_CLIP_CLIP_TEST_UTIL_H_
#define PHOTOIDX_TESTS_CORE_MODELS_CLIP_CLIP_TEST_UTIL_H_

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/models/hf/safetensors.h"
#include "core/models/torch/device.h"
#include "core/models/torch/state_dict.h"
#include "tests/core/models/torch/tensor_file.h"
#include "tests/core/models/torch/test_device.h"
#include "tests/testutil.h"

namespace photoidx::models::clip::test {

using photoidx::test::ClipModels;
using photoidx::test::ModelTestName;

inline std::string ModelDir(const std::string& model) {
  return photoidx::test::DataPath("models/" + model);
}

// float32 on the test device (the CPU unless PHOTOIDX_TEST_DEVICE=cuda).
inline torchutil::Placement TestFp32() {
  torchutil::Placement p;
  p.device = models::test::TestDevice();
  p.dtype = at::kFloat;
  p.threads = torchutil::SetTorchThreads(0);
  return p;
}

using models::test::TensorFile;

inline TensorFile Expected(const std::string& model) {
  return TensorFile(photoidx::test::DataPath("reference/" + model + ".expected.safetensors"));
}
inline TensorFile PixelValues() {
  return TensorFile(photoidx::test::DataPath("reference/clip-224.pixel_values.safetensors"));
}

// max |a - b|, both moved to float32 CPU.
inline double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kCPU, at::kFloat) - b.to(at::kCPU, at::kFloat)).abs().max().item<double>();
}

// |a - b| <= atol + rtol * |b| everywhere, with a readable failure.
inline ::testing::AssertionResult AllClose(const at::Tensor& actual, const at::Tensor& expected,
                                           double atol, double rtol = 0) {
  at::Tensor a = actual.to(at::kCPU, at::kFloat), e = expected.to(at::kCPU, at::kFloat);
  if (a.sizes() != e.sizes()) {
    return ::testing::AssertionFailure() << "shape " << a.sizes() << " != expected " << e.sizes();
  }
  at::Tensor excess = (a - e).abs() - (atol + rtol * e.abs());
  if (excess.max().item<double>() <= 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "max abs diff " << MaxAbsDiff(a, e) << " > atol " << atol << " (+ rtol " << rtol << ")";
}

// Rows divided by their L2 norm (no epsilon, as transformers).
inline at::Tensor Normalize(const at::Tensor& x) { return x / x.norm(2, -1, true); }

}  // namespace photoidx::models::clip::test

#endif  // PHOTOIDX_TESTS_CORE_MODELS_CLIP_CLIP_TEST_UTIL_H_
