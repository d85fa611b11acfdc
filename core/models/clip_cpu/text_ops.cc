#include "core/models/clip_cpu/text_ops.h"

#include <cblas.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "core/models/kernels/small_linear.h"

namespace photoidx::models::clip_cpu {
namespace {

int g_threads = 1;  // as last set by SetBlasThreads

}  // namespace

int UsableCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

int SetBlasThreads(int n) {
  if (n <= 0) n = UsableCores();
  openblas_set_num_threads(n);
  g_threads = n;
  return n;
}

void Linear(const float* x, int64_t rows, int64_t in, const float* w, const float* b, int64_t out,
            float* y) {
  if (g_threads == 1 && rows <= kernels::kSmallLinearMaxRows) {
    // A query's few positions on one thread (search's default): read each
    // weight once instead of packing it (kernels/small_linear.h).
    kernels::SmallLinear(x, in, rows, in, w, b, y, out, 0, out);
    return;
  }
  float beta = 0.0f;
  if (b != nullptr) {
    for (int64_t r = 0; r < rows; ++r) std::memcpy(y + r * out, b, sizeof(float) * out);
    beta = 1.0f;
  }
  // Row-major x [rows, in] times w^T, w stored [out, in] (nn.Linear).
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rows),
              static_cast<blasint>(out), static_cast<blasint>(in), 1.0f, x,
              static_cast<blasint>(in), w, static_cast<blasint>(in), beta, y,
              static_cast<blasint>(out));
}

void LayerNorm(const float* x, int64_t rows, int64_t width, const float* gamma, const float* beta,
               float eps, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * width;
    float* yr = y + r * width;
    float mean = 0;
    for (int64_t i = 0; i < width; ++i) mean += xr[i];
    mean /= static_cast<float>(width);
    // Two passes: the variance of the centred values does not cancel.
    float var = 0;
    for (int64_t i = 0; i < width; ++i) var += (xr[i] - mean) * (xr[i] - mean);
    var /= static_cast<float>(width);
    const float inv = 1.0f / std::sqrt(var + eps);
    for (int64_t i = 0; i < width; ++i) yr[i] = (xr[i] - mean) * inv * gamma[i] + beta[i];
  }
}

void Activate(float* x, size_t n, clip::Activation act) {
  if (act == clip::Activation::kGelu) {
    for (size_t i = 0; i < n; ++i) {
      x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] / std::numbers::sqrt2_v<float>));
    }
  } else {
    for (size_t i = 0; i < n; ++i) x[i] = x[i] / (1.0f + std::exp(-1.702f * x[i]));
  }
}

void CausalAttention(const float* q, const float* k, const float* v, int64_t first, int64_t len,
                     int64_t heads, int64_t head_dim, float* scratch, float* ctx) {
  const int64_t width = heads * head_dim;
  for (int64_t p = first; p < len; ++p) {
    const int64_t row = p - first;
    for (int64_t h = 0; h < heads; ++h) {
      const float* qh = q + row * width + h * head_dim;
      // Scores against keys 0..p; later keys are masked out (causal).
      float max_score = -INFINITY;
      for (int64_t j = 0; j <= p; ++j) {
        const float* kh = k + j * width + h * head_dim;
        float s = 0;
        for (int64_t d = 0; d < head_dim; ++d) s += qh[d] * kh[d];
        scratch[j] = s;
        max_score = std::max(max_score, s);
      }
      // Stable softmax: shift by the maximum before exp.
      float sum = 0;
      for (int64_t j = 0; j <= p; ++j) {
        scratch[j] = std::exp(scratch[j] - max_score);
        sum += scratch[j];
      }
      float* out = ctx + row * width + h * head_dim;
      std::fill(out, out + head_dim, 0.0f);
      for (int64_t j = 0; j <= p; ++j) {
        const float pj = scratch[j] / sum;
        const float* vh = v + j * width + h * head_dim;
        for (int64_t d = 0; d < head_dim; ++d) out[d] += pj * vh[d];
      }
    }
  }
}

void L2Normalize(float* x, int64_t n) {
  double sq = 0;
  for (int64_t i = 0; i < n; ++i) sq += static_cast<double>(x[i]) * x[i];
  if (sq == 0) return;
  const float inv = static_cast<float>(1.0 / std::sqrt(sq));
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

}  // namespace photoidx::models::clip_cpu
