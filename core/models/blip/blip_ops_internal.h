// Small tensor helpers shared by the BLIP towers (internal to core/models/blip).
//
// Mixed precision convention: activations between blocks are float32; a
// Linear whose weight is bfloat16/float16 rounds its input to that dtype,
// multiplies there and returns float32. float32 weights take the plain path,
// so the float32 model computes exactly what transformers computes.
#ifndef PHOTOIDX_CORE_MODELS_BLIP_BLIP_OPS_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_BLIP_BLIP_OPS_INTERNAL_H_

#include <cstdint>
#include <string>

#include <ATen/ATen.h>

namespace photoidx::models::blip {

// y = x W^T + b in W's dtype (x is rounded to it), returned in W's dtype:
// for activations that only feed another matmul (no extra conversions).
at::Tensor Project(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// The same, returned as float32 (for the residual stream).
at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b);

// LayerNorm over the last dimension, float32.
at::Tensor LayerNorm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps);

// gelu, exact erf form (transformers ACT2FN["gelu"]), in x's dtype.
at::Tensor Gelu(const at::Tensor& x);

// softmax(scale * q k^T + mask) v for q [..., Lq, d], k/v [..., Lk, d],
// computed with the matmuls in `dtype` (softmax accumulating in float32). `mask`
// is undefined or an additive float tensor broadcastable to [..., Lq, Lk]
// (float32 or `dtype`). Returns [..., Lq, d] in `dtype`. On CUDA with
// libtorch >= 2.4 one fused scaled_dot_product_attention kernel.
at::Tensor Attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                  const at::Tensor& mask, at::ScalarType dtype, double scale);

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_BLIP_OPS_INTERNAL_H_
