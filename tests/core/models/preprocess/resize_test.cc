#include "core/models/preprocess/resize.h"

#include <random>

#include <gtest/gtest.h>

#include "core/models/hf/json_config.h"
#include "core/models/preprocess/resize_internal.h"
#include "tests/testutil.h"

namespace photoidx::models::preprocess {
namespace {

using image::Image;

// Must equal pattern() in tests/data/reference/make_resize_cases.py.
Image Pattern(const std::string& kind, int w, int h) {
  Image im;
  im.width = w;
  im.height = h;
  im.pixels.resize(size_t(w) * h * 3);
  for (uint64_t y = 0; y < uint64_t(h); ++y) {
    for (uint64_t x = 0; x < uint64_t(w); ++x) {
      for (uint64_t c = 0; c < 3; ++c) {
        uint64_t v = kind == "noise"
                         ? ((((x * 2654435761u) ^ (y * 40503u) ^ (c * 97u)) & 0xFFFFFFFFu) >> 5) & 255
                         : (x * 7 + y * 3 + c * 50) % 256;
        im.pixels[(y * w + x) * 3 + c] = uint8_t(v);
      }
    }
  }
  return im;
}

Image Random(std::mt19937& rng, int w, int h) {
  Image im;
  im.width = w;
  im.height = h;
  im.pixels.resize(size_t(w) * h * 3);
  const bool binary = rng() % 2;  // black/white extremes exercise clipping
  for (uint8_t& p : im.pixels) p = binary ? uint8_t(rng() % 2 * 255) : uint8_t(rng());
  return im;
}

uint64_t Fnv1a64(const std::vector<uint8_t>& b) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (uint8_t x : b) h = (h ^ x) * 0x100000001B3ull;
  return h;
}

// Pillow 9.4 outputs recorded by make_resize_cases.py (see PROVENANCE.md).
TEST(ResizeTest, MatchesPillowBicubic) {
  auto doc = hf::LoadJsonObject(test::DataPath("reference/pillow-bicubic-cases.json"));
  ASSERT_OK(doc.status());
  auto cases = doc->GetObjectArray("cases");
  ASSERT_OK(cases.status());
  ASSERT_GE(cases->size(), 20u);
  for (const hf::JsonObject& c : *cases) {
    auto in = c.GetIntArray("in");
    auto out = c.GetIntArray("out");
    auto kind = c.GetString("pattern", "");
    auto want = c.GetString("fnv1a64", "");
    ASSERT_TRUE(in.ok() && out.ok() && kind.ok() && want.ok());
    SCOPED_TRACE(*kind + " " + c.DumpValue("in") + " -> " + c.DumpValue("out"));
    auto got = ResizeBicubic(Pattern(*kind, int((*in)[0]), int((*in)[1])), int((*out)[0]),
                             int((*out)[1]));
    ASSERT_OK(got.status());
    EXPECT_EQ(got->width, (*out)[0]);
    EXPECT_EQ(got->height, (*out)[1]);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(Fnv1a64(got->pixels)));
    EXPECT_EQ(std::string(hex), *want);
  }
}

// The SIMD kernel, the scalar port and windows of the output all agree.
TEST(ResizeTest, KernelsAndWindowsAgree) {
  std::mt19937 rng(42);
  for (int i = 0; i < 60; ++i) {
    const int w = 1 + int(rng() % 300), h = 1 + int(rng() % 300);
    const int ow = 1 + int(rng() % 260), oh = 1 + int(rng() % 260);
    Image im = Random(rng, w, h);
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h) + " -> " + std::to_string(ow) + "x" +
                 std::to_string(oh));
    const Window all{0, 0, ow, oh};
    auto simd = internal::ResizeBicubicWith(im, ow, oh, all, internal::Kernel::kAuto);
    auto scalar = internal::ResizeBicubicWith(im, ow, oh, all, internal::Kernel::kScalar);
    ASSERT_OK(simd.status());
    ASSERT_OK(scalar.status());
    ASSERT_EQ(simd->pixels, scalar->pixels);
    for (internal::Kernel k : {internal::Kernel::kSse2, internal::Kernel::kAvx2}) {
      if (!internal::KernelAvailable(k)) continue;  // the CPU lacks it
      auto other = internal::ResizeBicubicWith(im, ow, oh, all, k);
      ASSERT_OK(other.status());
      ASSERT_EQ(other->pixels, scalar->pixels) << "kernel " << int(k);
    }
    Window win;
    win.left = int(rng() % ow);
    win.top = int(rng() % oh);
    win.width = 1 + int(rng() % (ow - win.left));
    win.height = 1 + int(rng() % (oh - win.top));
    auto part = ResizeBicubicWindow(im, ow, oh, win);
    ASSERT_OK(part.status());
    ASSERT_EQ(part->width, win.width);
    ASSERT_EQ(part->height, win.height);
    for (int y = 0; y < win.height; ++y) {
      for (int x = 0; x < win.width * 3; ++x) {
        ASSERT_EQ(part->row(y)[x], simd->row(win.top + y)[win.left * 3 + x]) << y << " " << x;
      }
    }
  }
}

TEST(ResizeTest, SameSizeIsACopy) {
  std::mt19937 rng(1);
  Image im = Random(rng, 17, 9);
  auto r = ResizeBicubic(im, 17, 9);
  ASSERT_OK(r.status());
  EXPECT_EQ(r->pixels, im.pixels);
}

TEST(ResizeTest, CoefficientsFollowPillow) {
  // 4 -> 2 halves: filterscale 2, support 4, taps over the whole input.
  BicubicAxis ax = ComputeBicubicAxis(4, 2, 0, 4);
  EXPECT_EQ(ax.ksize, 9);
  EXPECT_EQ(ax.first[0], 0);
  EXPECT_EQ(ax.count[0], 4);
  int64_t sum = 0;
  for (int j = 0; j < ax.count[0]; ++j) sum += ax.coeffs[j];
  EXPECT_NEAR(double(sum), double(1 << 22), 2.0);  // normalised to 1 in 2^-22 units
  // Upscaling keeps support 2: 5 taps at most.
  BicubicAxis up = ComputeBicubicAxis(128, 224, 0, 128);
  EXPECT_EQ(up.ksize, 5);
}

TEST(ResizeTest, BadSizes) {
  Image empty;
  EXPECT_TRUE(ResizeBicubic(empty, 4, 4).status().IsInvalidArgument());
  std::mt19937 rng(1);
  Image im = Random(rng, 4, 4);
  EXPECT_TRUE(ResizeBicubic(im, 0, 4).status().IsInvalidArgument());
  EXPECT_TRUE(ResizeBicubic(im, 4, 100000).status().IsInvalidArgument());
  EXPECT_TRUE(ResizeBicubicWindow(im, 4, 4, Window{2, 0, 3, 4}).status().IsInvalidArgument());
  Image bad = im;
  bad.pixels.pop_back();
  EXPECT_TRUE(ResizeBicubic(bad, 2, 2).status().IsInvalidArgument());
}

TEST(ResizeTest, ReduceThenResizeIsCloseToExact) {
  Image big = Pattern("gradient", 1600, 1200);
  for (uint8_t& p : big.pixels) p = uint8_t(p / 4 + 64);  // smooth-ish, no wrap edges
  auto exact = ResizeBicubic(big, 298, 224);
  auto fast = ReduceThenResize(big, 298, 224, 2.0, Window{0, 0, 298, 224});
  ASSERT_OK(exact.status());
  ASSERT_OK(fast.status());
  double mean = 0;
  for (size_t i = 0; i < exact->pixels.size(); ++i) {
    mean += std::abs(int(exact->pixels[i]) - int(fast->pixels[i]));
  }
  mean /= double(exact->pixels.size());
  EXPECT_LT(mean, 3.0);
  EXPECT_NE(exact->pixels, fast->pixels);  // it is not the exact path
}

}  // namespace
}  // namespace photoidx::models::preprocess
