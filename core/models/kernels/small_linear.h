// SmallLinear: y = x w^T + b for a handful of rows x (a decoder step, a
// short text query), float32, row-major, w stored [out, in] as nn.Linear
// keeps it.
//
// Why not a GEMM: at 8 rows a general GEMM (OpenBLAS sgemm) first copies
// each weight panel into its packed layout and then reads it once, so the
// weights cross memory about three times; perf showed the copy routines
// (sgemm_incopy/oncopy) at a third of a query's time. This kernel reads each
// weight row once, straight from the (mmapped) tensor, and keeps the rows of
// x in L1: 1.2-2x faster than OpenBLAS on a BLIP decoder step and a CLIP
// text query (docs/benchmarks.md).
//
// Results equal a GEMM's up to float summation order (relative differences
// around 1e-7).
//
// Thread safety: pure; callers split [out_begin, out_end) between threads.
#ifndef PHOTOIDX_CORE_MODELS_KERNELS_SMALL_LINEAR_H_
#define PHOTOIDX_CORE_MODELS_KERNELS_SMALL_LINEAR_H_

#include <cstdint>

namespace photoidx::models::kernels {

// Rows at most for which SmallLinear beats a GEMM (measured on the BLIP
// decoder shapes; above it the GEMM's packing pays for itself).
inline constexpr int64_t kSmallLinearMaxRows = 16;

// Computes y[r, o] = b[o] + sum_i x[r, i] * w[o, i] for r < rows and
// out_begin <= o < out_end. x: [rows, in] with row stride ldx; w: [out, in]
// contiguous; b: [out] or null; y: [rows, out] with row stride ldy.
void SmallLinear(const float* x, int64_t ldx, int64_t rows, int64_t in, const float* w,
                 const float* b, float* y, int64_t ldy, int64_t out_begin, int64_t out_end);

}  // namespace photoidx::models::kernels

#endif  // PHOTOIDX_CORE_MODELS_KERNELS_SMALL_LINEAR_H_
