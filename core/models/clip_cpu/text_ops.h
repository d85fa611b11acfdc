// The float32 kernels of the torch-free CLIP text forward (clip_text_cpu.h):
// linear layers through OpenBLAS cblas_sgemm, LayerNorm, the two CLIP
// activations and causal softmax attention, each matching the arithmetic
// of transformers' modeling_clip.py (v4.40) in float32.
//
// All matrices are dense row-major float32. Nothing allocates except
// where stated; nothing fails. Thread safety: pure functions (the BLAS
// runs on its own thread pool, sized by SetBlasThreads).
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CPU_TEXT_OPS_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CPU_TEXT_OPS_H_

#include <cstddef>
#include <cstdint>

#include "core/models/clip_common/clip_config.h"

namespace photoidx::models::clip_cpu {

// Sets the BLAS thread count (process-wide); n <= 0 means the usable cores
// (sched_getaffinity). Returns the count set.
int SetBlasThreads(int n);
// The cores this process may run on (at least 1).
int UsableCores();

// y[rows, out] = x[rows, in] w[out, in]^T + b[out] (b may be null).
void Linear(const float* x, int64_t rows, int64_t in, const float* w, const float* b, int64_t out,
            float* y);

// Row-wise LayerNorm over `width` with biased variance, as torch.
void LayerNorm(const float* x, int64_t rows, int64_t width, const float* gamma, const float* beta,
               float eps, float* y);

// In place: quick_gelu = x * sigmoid(1.702 x); gelu = exact erf form.
void Activate(float* x, size_t n, clip::Activation act);

// Causal multi-head attention. q: [len - first, heads * head_dim], already
// scaled by head_dim^-0.5, for query positions first..len-1; k, v:
// [len, heads * head_dim]. Query position p attends to keys 0..p. ctx gets
// [len - first, heads * head_dim]. `scratch` holds `len` floats.
void CausalAttention(const float* q, const float* k, const float* v, int64_t first, int64_t len,
                     int64_t heads, int64_t head_dim, float* scratch, float* ctx);

// x /= ||x||_2 (no epsilon, as transformers; an all-zero row stays NaN-free
// by staying zero).
void L2Normalize(float* x, int64_t n);

}  // namespace photoidx::models::clip_cpu

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CPU_TEXT_OPS_H_
