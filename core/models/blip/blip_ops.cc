#include "core/models/blip/blip_ops_internal.h"

#include <ATen/Parallel.h>

#include <optional>
#include <vector>

#include "core/models/kernels/small_linear.h"
#include "core/models/torch/sdpa.h"

namespace photoidx::models::blip {
namespace {

// Output features per parallel task: enough weight rows (64 x 768 floats,
// 192 KB) that a task's start-up is noise next to its memory traffic.
constexpr int64_t kFeaturesPerTask = 64;

// A decoder step's few rows on the CPU in float32: kernels::SmallLinear
// streams each weight once (a GEMM packs it first), split over the intra-op
// threads by output features.
at::Tensor SmallRowsLinear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  const at::Tensor xc = x.contiguous();
  const int64_t in = w.size(1), out = w.size(0), rows = xc.numel() / in;
  std::vector<int64_t> sizes = xc.sizes().vec();
  sizes.back() = out;
  at::Tensor y = at::empty(sizes, xc.options());
  const float* xp = xc.data_ptr<float>();
  const float* wp = w.data_ptr<float>();
  const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
  float* yp = y.data_ptr<float>();
  at::parallel_for(0, out, kFeaturesPerTask, [&](int64_t begin, int64_t end) {
    kernels::SmallLinear(xp, in, rows, in, wp, bp, yp, out, begin, end);
  });
  return y;
}

bool UseSmallRows(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return x.is_cpu() && x.scalar_type() == at::kFloat && w.scalar_type() == at::kFloat &&
         w.dim() == 2 && w.size(1) > 0 && w.is_contiguous() &&
         (!b.defined() || b.is_contiguous()) && x.dim() >= 1 && x.size(-1) == w.size(1) &&
         x.numel() / w.size(1) <= kernels::kSmallLinearMaxRows;
}

}  // namespace

at::Tensor Project(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  if (UseSmallRows(x, w, b)) return SmallRowsLinear(x, w, b);
  return at::linear(x.to(w.scalar_type()), w, b);
}

at::Tensor Linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  return Project(x, w, b).to(at::kFloat);
}

at::Tensor LayerNorm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
  return at::layer_norm(x, {x.size(-1)}, w, b, eps);
}

at::Tensor Gelu(const at::Tensor& x) { return at::gelu(x); }

at::Tensor Attend(const at::Tensor& q_unscaled, const at::Tensor& k, const at::Tensor& v,
                  const at::Tensor& mask, at::ScalarType dtype, double scale) {
#if PHOTOIDX_HAVE_SDPA
  if (q_unscaled.is_cuda()) {
    // One kernel instead of six, and the scores never reach memory: a
    // decoder step is bound by its kernel count, the vision tower by the
    // [B, heads, 577, 577] scores.
    std::optional<at::Tensor> m;
    if (mask.defined()) m = mask.to(dtype);
    return at::scaled_dot_product_attention(q_unscaled.to(dtype), k.to(dtype), v.to(dtype), m,
                                            0.0, false, scale);
  }
#endif
  const at::Tensor q = q_unscaled * scale;
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
