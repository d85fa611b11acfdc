// Pillow 9.4 BICUBIC resize (src/libImaging/Resample.c), bit-exact for RGB8.
//
// Algorithm (ImagingResampleInner): separable; the horizontal pass runs first
// into a uint8 image holding only the source rows the vertical pass will
// read, then the vertical pass. A pass is skipped when its axis keeps its
// size (and the box is the whole axis). Per axis and output pixel i:
//   scale = (in1 - in0) / out, filterscale = max(scale, 1), support = 2 * filterscale
//   center = in0 + (i + 0.5) * scale
//   taps x in [max(int(center - support + 0.5), 0), min(int(center + support + 0.5), in))
//   w(x) = cubic((x - center + 0.5) * (1 / filterscale)), a = -0.5, normalised to sum 1
//   fixed point: int(w * 2^22 +- 0.5) (round half away from zero)
//   out = clip8((2^21 + sum(pixel * w_fixed)) >> 22)
//
// Speed: the weights are computed once per (size, window) and cached per
// thread; the passes run in SIMD kernels (resize_x86.cc: AVX2 when the CPU
// has it, else SSE2) that give the same integers as the scalar port below.
#include "core/models/preprocess/resize.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <tuple>

#include "core/models/preprocess/resize_internal.h"

namespace photoidx::models::preprocess {
namespace {

using image::Image;
using internal::AxisPlan;
using internal::Clip8;
using internal::kHalf;
using internal::Kernel;
using internal::kPrecisionBits;

constexpr int kMaxSide = 65536;

double BicubicFilter(double x) {
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

// The weights of output pixels [begin, end) of an in_size -> out_size axis.
std::shared_ptr<const AxisPlan> MakePlan(int in_size, int out_size, double in0, double in1,
                                         int begin, int end) {
  const BicubicAxis full = ComputeBicubicAxis(in_size, out_size, in0, in1);
  auto plan = std::make_shared<AxisPlan>();
  BicubicAxis& ax = plan->axis;
  ax.in_size = in_size;
  ax.out_size = end - begin;
  ax.ksize = full.ksize;
  ax.first.assign(full.first.begin() + begin, full.first.begin() + end);
  ax.count.assign(full.count.begin() + begin, full.count.begin() + end);
  ax.coeffs.assign(full.coeffs.begin() + size_t(begin) * full.ksize,
                   full.coeffs.begin() + size_t(end) * full.ksize);
  plan->kpad = (ax.ksize + 15) / 16 * 16;
  plan->hi.assign(size_t(ax.out_size) * plan->kpad, 0);
  plan->lo.assign(size_t(ax.out_size) * plan->kpad, 0);
  for (int i = 0; i < ax.out_size; ++i) {
    for (int j = 0; j < ax.count[i]; ++j) {
      int32_t w = ax.coeffs[size_t(i) * ax.ksize + j];
      plan->hi[size_t(i) * plan->kpad + j] = int16_t(w >> 15);
      plan->lo[size_t(i) * plan->kpad + j] = int16_t(w & 0x7fff);
    }
  }
  return plan;
}

// Photos come in a handful of sizes: a few plans per thread avoid
// recomputing the weights for every image.
std::shared_ptr<const AxisPlan> GetPlan(int in_size, int out_size, double in0, double in1,
                                        int begin, int end) {
  using Key = std::tuple<int, int, double, double, int, int>;
  struct Entry {
    Key key;
    std::shared_ptr<const AxisPlan> plan;
  };
  constexpr size_t kEntries = 8;
  thread_local std::vector<Entry> cache;
  const Key key{in_size, out_size, in0, in1, begin, end};
  for (const Entry& e : cache) {
    if (e.key == key) return e.plan;
  }
  auto plan = MakePlan(in_size, out_size, in0, in1, begin, end);
  if (cache.size() == kEntries) cache.erase(cache.begin());
  cache.push_back({key, plan});
  return plan;
}

// --- horizontal pass -------------------------------------------------------

void HorizontalRowScalar(const uint8_t* src, const BicubicAxis& ax, uint8_t* dst) {
  for (int x = 0; x < ax.out_size; ++x) {
    const int32_t* k = &ax.coeffs[size_t(x) * ax.ksize];
    const uint8_t* p = src + size_t(ax.first[x]) * 3;
    int32_t s0 = kHalf, s1 = kHalf, s2 = kHalf;
    for (int t = 0; t < ax.count[x]; ++t) {
      s0 += p[3 * t + 0] * k[t];
      s1 += p[3 * t + 1] * k[t];
      s2 += p[3 * t + 2] * k[t];
    }
    dst[3 * x + 0] = Clip8(s0);
    dst[3 * x + 1] = Clip8(s1);
    dst[3 * x + 2] = Clip8(s2);
  }
}

// Resamples rows [row0, row0 + rows) of `in` horizontally into `out`
// (out->width == plan.axis.out_size, out->height == rows).
void HorizontalPass(const Image& in, int row0, int rows, const AxisPlan& plan, Kernel kernel,
                    Image* out) {
  if (kernel == Kernel::kScalar) {
    for (int y = 0; y < rows; ++y) {
      HorizontalRowScalar(in.row(row0 + y), plan.axis,
                          out->pixels.data() + size_t(y) * out->width * 3);
    }
    return;
  }
  const size_t stride = size_t(in.width) + internal::kPlanePad;
  std::vector<uint8_t> buf(stride * 3, 0);
  uint8_t* const planes[3] = {buf.data(), buf.data() + stride, buf.data() + 2 * stride};
  const bool avx2 = kernel == Kernel::kAvx2;
  // Only the source columns the (windowed) output reads; `first` is monotonic.
  const BicubicAxis& ax = plan.axis;
  const int c0 = ax.first.front(), c1 = ax.first.back() + ax.count.back();
  uint8_t* const shifted[3] = {planes[0] + c0, planes[1] + c0, planes[2] + c0};
  for (int y = 0; y < rows; ++y) {
    const uint8_t* s = in.row(row0 + y) + size_t(c0) * 3;
    if (avx2) {
      internal::DeinterleaveSsse3(s, c1 - c0, shifted);
    } else {
      for (int x = 0; x < c1 - c0; ++x) {
        for (int c = 0; c < 3; ++c) shifted[c][x] = s[3 * x + c];
      }
    }
    uint8_t* d = out->pixels.data() + size_t(y) * out->width * 3;
    if (avx2) internal::HorizontalRowAvx2(planes, plan, d);
    else internal::HorizontalRowSse2(planes, plan, d);
  }
}

// --- vertical pass ---------------------------------------------------------

// One output row from source rows[0..count) with weights k.
void VerticalRowScalar(const uint8_t* const* rows, const int32_t* k, int count, size_t n,
                       uint8_t* dst, std::vector<int32_t>* acc) {
  acc->assign(n, kHalf);
  int32_t* a = acc->data();
  for (int t = 0; t < count; ++t) {
    const uint8_t* s = rows[t];
    const int32_t w = k[t];
    for (size_t b = 0; b < n; ++b) a[b] += s[b] * w;
  }
  for (size_t b = 0; b < n; ++b) dst[b] = Clip8(a[b]);
}

// `shift` = the first source row held by `in` (the horizontal pass only
// produced the rows the vertical pass reads).
void VerticalPass(const Image& in, const AxisPlan& plan, int shift, Kernel kernel, Image* out) {
  const BicubicAxis& ax = plan.axis;
  const size_t n = size_t(in.width) * 3;
  std::vector<int32_t> acc;
  std::vector<const uint8_t*> rows(ax.ksize);
  for (int y = 0; y < ax.out_size; ++y) {
    for (int t = 0; t < ax.count[y]; ++t) rows[t] = in.row(ax.first[y] - shift + t);
    const int32_t* k = &ax.coeffs[size_t(y) * ax.ksize];
    uint8_t* dst = out->pixels.data() + size_t(y) * out->width * 3;
    if (kernel == Kernel::kAvx2) {
      internal::VerticalRowAvx2(rows.data(), &plan.hi[size_t(y) * plan.kpad],
                                &plan.lo[size_t(y) * plan.kpad], k, ax.count[y], n, dst);
    } else {
      VerticalRowScalar(rows.data(), k, ax.count[y], n, dst, &acc);
    }
  }
}

Image NewImage(int w, int h) {
  Image im;
  im.width = w;
  im.height = h;
  im.pixels.resize(size_t(w) * h * 3);
  return im;
}

// Rows [row0, row0 + rows), columns [col0, col0 + w) of `in`.
Image CopyRegion(const Image& in, int col0, int row0, int w, int rows) {
  Image out = NewImage(w, rows);
  for (int y = 0; y < rows; ++y) {
    std::copy_n(in.row(row0 + y) + size_t(col0) * 3, size_t(w) * 3,
                out.pixels.data() + size_t(y) * w * 3);
  }
  return out;
}

Status CheckSizes(const Image& in, int out_width, int out_height, const Window& win) {
  if (in.empty() || in.width <= 0 || in.height <= 0 ||
      in.pixels.size() != size_t(in.width) * in.height * 3) {
    return Status::InvalidArgument("resize", "empty or malformed input image");
  }
  if (out_width <= 0 || out_height <= 0 || out_width > kMaxSide || out_height > kMaxSide) {
    return Status::InvalidArgument("resize", "output size " + std::to_string(out_width) + "x" +
                                                 std::to_string(out_height) + " out of range");
  }
  if (win.left < 0 || win.top < 0 || win.width <= 0 || win.height <= 0 ||
      win.left + win.width > out_width || win.top + win.height > out_height) {
    return Status::InvalidArgument("resize", "window outside the output image");
  }
  return Status::OK();
}

// ImagingResampleInner for an RGB image, source box [x0,x1) x [y0,y1),
// restricted to the output window `win`.
Image ResampleBox(const Image& in, int out_w, int out_h, double x0, double y0, double x1,
                  double y1, const Window& win, Kernel kernel) {
  const bool need_h = out_w != in.width || x0 != 0 || x1 != out_w;
  const bool need_v = out_h != in.height || y0 != 0 || y1 != out_h;
  if (!need_h && !need_v) return CopyRegion(in, win.left, win.top, win.width, win.height);
  std::shared_ptr<const AxisPlan> hplan;
  if (need_h) hplan = GetPlan(in.width, out_w, x0, x1, win.left, win.left + win.width);
  if (!need_v) {
    Image out = NewImage(win.width, win.height);
    HorizontalPass(in, win.top, win.height, *hplan, kernel, &out);
    return out;
  }
  auto vplan = GetPlan(in.height, out_h, y0, y1, win.top, win.top + win.height);
  // Only the rows the vertical pass reads go through the horizontal pass.
  const BicubicAxis& vax = vplan->axis;
  const int ybox_first = vax.first[0];
  const int ybox_last = vax.first[win.height - 1] + vax.count[win.height - 1];
  Image temp;
  if (need_h) {
    temp = NewImage(win.width, ybox_last - ybox_first);
    HorizontalPass(in, ybox_first, ybox_last - ybox_first, *hplan, kernel, &temp);
  } else {
    temp = CopyRegion(in, win.left, ybox_first, win.width, ybox_last - ybox_first);
  }
  Image out = NewImage(win.width, win.height);
  VerticalPass(temp, *vplan, ybox_first, kernel, &out);
  return out;
}

// Mean of fx x fy blocks (rounded); the last block of a row/column may be
// partial, as in Pillow's reduce().
Image BoxReduce(const Image& in, int fx, int fy) {
  const int rw = (in.width + fx - 1) / fx, rh = (in.height + fy - 1) / fy;
  Image out = NewImage(rw, rh);
  for (int y = 0; y < rh; ++y) {
    const int ys = y * fy, ye = std::min(ys + fy, in.height);
    for (int x = 0; x < rw; ++x) {
      const int xs = x * fx, xe = std::min(xs + fx, in.width);
      uint32_t s[3] = {0, 0, 0};
      for (int yy = ys; yy < ye; ++yy) {
        const uint8_t* p = in.row(yy) + size_t(xs) * 3;
        for (int i = 0; i < (xe - xs) * 3; i += 3) {
          s[0] += p[i];
          s[1] += p[i + 1];
          s[2] += p[i + 2];
        }
      }
      const uint32_t n = uint32_t((ye - ys) * (xe - xs));
      uint8_t* d = out.pixels.data() + (size_t(y) * rw + x) * 3;
      for (int c = 0; c < 3; ++c) d[c] = uint8_t((s[c] + n / 2) / n);
    }
  }
  return out;
}

// kAuto -> the fastest kernel this CPU runs.
Kernel ResolveKernel(Kernel k) {
  if (k != Kernel::kAuto) return k;
  static const Kernel best = internal::KernelAvailable(Kernel::kAvx2)   ? Kernel::kAvx2
                             : internal::KernelAvailable(Kernel::kSse2) ? Kernel::kSse2
                                                                        : Kernel::kScalar;
  return best;
}

}  // namespace

BicubicAxis ComputeBicubicAxis(int in_size, int out_size, double in0, double in1) {
  // Pillow receives the box as C floats.
  const float f0 = float(in0), f1 = float(in1);
  BicubicAxis ax;
  ax.in_size = in_size;
  ax.out_size = out_size;
  const double scale = double(f1 - f0) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 2.0 * filterscale;
  ax.ksize = int(std::ceil(support)) * 2 + 1;
  ax.first.resize(out_size);
  ax.count.resize(out_size);
  ax.coeffs.assign(size_t(out_size) * ax.ksize, 0);
  std::vector<double> w(ax.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = f0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    const int xmin = std::max(int(center - support + 0.5), 0);
    const int xmax = std::min(int(center + support + 0.5), in_size) - xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      w[x] = BicubicFilter((x + xmin - center + 0.5) * ss);
      ww += w[x];
    }
    int32_t* k = &ax.coeffs[size_t(xx) * ax.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double v = ww != 0.0 ? w[x] / ww : w[x];
      k[x] = v < 0 ? int32_t(-0.5 + v * (1 << kPrecisionBits))
                   : int32_t(0.5 + v * (1 << kPrecisionBits));
    }
    ax.first[xx] = xmin;
    ax.count[xx] = std::max(xmax, 0);
  }
  return ax;
}

Result<Image> ResizeBicubic(const Image& in, int out_width, int out_height) {
  return ResizeBicubicWindow(in, out_width, out_height, Window{0, 0, out_width, out_height});
}

Result<Image> ResizeBicubicWindow(const Image& in, int out_width, int out_height,
                                  const Window& window) {
  return internal::ResizeBicubicWith(in, out_width, out_height, window, Kernel::kAuto);
}

Result<Image> ReduceThenResize(const Image& in, int out_width, int out_height,
                               double reducing_gap, const Window& window) {
  PHOTOIDX_RETURN_IF_ERROR(CheckSizes(in, out_width, out_height, window));
  int fx = 1, fy = 1;
  if (reducing_gap > 1.0) {
    fx = std::max(1, int(double(in.width) / out_width / reducing_gap));
    fy = std::max(1, int(double(in.height) / out_height / reducing_gap));
  }
  if (fx == 1 && fy == 1) return ResizeBicubicWindow(in, out_width, out_height, window);
  Image reduced = BoxReduce(in, fx, fy);
  return ResampleBox(reduced, out_width, out_height, 0, 0, double(in.width) / fx,
                     double(in.height) / fy, window, ResolveKernel(Kernel::kAuto));
}

namespace internal {

Result<Image> ResizeBicubicWith(const Image& in, int out_width, int out_height,
                                const Window& window, Kernel kernel) {
  PHOTOIDX_RETURN_IF_ERROR(CheckSizes(in, out_width, out_height, window));
  if (!KernelAvailable(kernel)) {
    return Status::NotSupported("resize", "SIMD kernel not available on this CPU");
  }
  return ResampleBox(in, out_width, out_height, 0, 0, in.width, in.height, window,
                     ResolveKernel(kernel));
}

}  // namespace internal
}  // namespace photoidx::models::preprocess
