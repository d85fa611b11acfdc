// PHOTOIDX_HAVE_SDPA: whether at::scaled_dot_product_attention takes an
// explicit `scale` and a std::optional mask, public from libtorch 2.4 on;
// Debian's 1.13 has none (TOOLCHAIN.md). The models use it on CUDA only,
// where its fused kernels pay.
#ifndef PHOTOIDX_CORE_MODELS_TORCH_SDPA_H_
#define PHOTOIDX_CORE_MODELS_TORCH_SDPA_H_

#include <torch/version.h>

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define PHOTOIDX_HAVE_SDPA 1
#else
#define PHOTOIDX_HAVE_SDPA 0
#endif

#endif  // PHOTOIDX_CORE_MODELS_TORCH_SDPA_H_
