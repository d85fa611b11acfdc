#include "core/models/blip/blip_ops_internal.h"

namespace photoidx::models::blip {

at::Tensor Project(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return at::linear(x.to(w.scalar_type()), w, b);
}

at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return Project(x, w, b).to(at::kFloat);
}

at::Tensor LayerNorm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
  return at::layer_norm(x, {x.size(-1)}, w, b, eps);
}

at::Tensor Gelu(const at::Tensor& x) { return at::gelu(x); }

at::Tensor Attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                  const at::Tensor& mask, at::ScalarType dtype) {
  if (dtype == at::kFloat) {
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2));
    if (mask.defined()) scores.add_(mask);
    return at::matmul(at::softmax(scores, -1), v);
  }
  // Reduced precision: the scores come out of the matmul rounded and the
  // probabilities go into the next one rounded anyway, so softmax runs on
  // the reduced tensor (its kernels accumulate in float32) instead of two
  // conversion passes over the largest activation of the model.
  at::Tensor scores = at::matmul(q.to(dtype), k.to(dtype).transpose(-1, -2));
  if (mask.defined()) scores.add_(mask.to(dtype));
  return at::matmul(at::softmax(scores, -1), v.to(dtype));
}

}  // namespace photoidx::models::blip
