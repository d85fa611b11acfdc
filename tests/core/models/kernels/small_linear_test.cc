#include "core/models/kernels/small_linear.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace photoidx::models::kernels {
namespace {

// y = x w^T + b in double precision, the reference for the float kernel.
std::vector<double> Reference(const std::vector<float>& x, int64_t rows, int64_t in,
                              const std::vector<float>& w, int64_t out,
                              const std::vector<float>* b) {
  std::vector<double> y(size_t(rows * out));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double s = b != nullptr ? (*b)[size_t(o)] : 0.0;
      for (int64_t i = 0; i < in; ++i) s += double(x[size_t(r * in + i)]) * w[size_t(o * in + i)];
      y[size_t(r * out + o)] = s;
    }
  }
  return y;
}

std::vector<float> Random(size_t n, std::mt19937* rng) {
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (float& f : v) f = d(*rng);
  return v;
}

// Every row count up to the limit, widths with and without a vector tail,
// output counts that do not fill the last block.
TEST(SmallLinearTest, MatchesDoublePrecisionReference) {
  std::mt19937 rng(7);
  for (int64_t rows : {1, 2, 3, 4, 5, 7, 8, 9, 16}) {
    for (int64_t in : {1, 7, 16, 37, 64, 768}) {
      for (int64_t out : {1, 3, 4, 9, 64}) {
        std::vector<float> x = Random(size_t(rows * in), &rng), w = Random(size_t(out * in), &rng);
        std::vector<float> b = Random(size_t(out), &rng);
        std::vector<float> y(size_t(rows * out), -1.f);
        SmallLinear(x.data(), in, rows, in, w.data(), b.data(), y.data(), out, 0, out);
        std::vector<double> ref = Reference(x, rows, in, w, out, &b);
        for (size_t i = 0; i < y.size(); ++i) {
          // float accumulation of `in` products of N(0,1) values
          EXPECT_NEAR(y[i], ref[i], 1e-5 * std::sqrt(double(in)) * 4 + 1e-5)
              << "rows " << rows << " in " << in << " out " << out << " at " << i;
        }
      }
    }
  }
}

// Callers split the outputs between threads and pass strided rows: each
// range writes only its own columns, and row strides are honoured.
TEST(SmallLinearTest, OutputRangesAndStridesWriteOnlyTheirCells) {
  std::mt19937 rng(11);
  const int64_t rows = 5, in = 40, out = 30, ldx = 48, ldy = 33;
  std::vector<float> x = Random(size_t(rows * ldx), &rng), w = Random(size_t(out * in), &rng);
  std::vector<float> y(size_t(rows * ldy), 123.f);
  SmallLinear(x.data(), ldx, rows, in, w.data(), nullptr, y.data(), ldy, 0, 13);
  SmallLinear(x.data(), ldx, rows, in, w.data(), nullptr, y.data(), ldy, 13, out);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < ldy; ++o) {
      const float got = y[size_t(r * ldy + o)];
      if (o >= out) {
        EXPECT_EQ(got, 123.f) << "padding column " << o << " was written";
        continue;
      }
      double s = 0;
      for (int64_t i = 0; i < in; ++i) s += double(x[size_t(r * ldx + i)]) * w[size_t(o * in + i)];
      EXPECT_NEAR(got, s, 1e-4) << "row " << r << " col " << o;
    }
  }
}

}  // namespace
}  // namespace photoidx::models::kernels
