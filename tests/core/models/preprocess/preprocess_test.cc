// Preprocess() against transformers 4.40's pixel_values for the six reference
// images (tests/data/reference, see PROVENANCE.md there).
#include "core/models/preprocess/preprocess.h"

#include <cmath>
#include <cstring>
#include <mutex>

#include <gtest/gtest.h>

#include "core/image/image.h"
#include "core/models/hf/safetensors.h"
#include "tests/testutil.h"

namespace photoidx::models::preprocess {
namespace {

using hf::PreprocessorConfig;
using test::DataPath;

// Reference order (fixtures README, "Reference images and preprocessing").
const char* const kImages[] = {"rocket_landscape.jpg", "man_portrait.jpg",  "text_wide_gray.png",
                               "hopper_small.jpg",     "children_rgba.png", "wolf_gray.jpg"};

image::Image Decode(const std::string& name) {
  static std::once_flag once;
  std::call_once(once, [] { image::InitImageLibraries(); });
  auto d = image::DecodeFile(DataPath("reference/images/" + name));
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  return d.ok() ? std::move(d->image) : image::Image{};
}

std::vector<float> PreprocessImage(const image::Image& im, const PreprocessorConfig& cfg,
                       const PreprocessOptions& opt = {}) {
  auto size = OutputSize(cfg, im.width, im.height);
  EXPECT_TRUE(size.ok()) << size.status().ToString();
  if (!size.ok()) return {};
  std::vector<float> out(size_t(size->width) * size->height * 3);
  Status s = Preprocess(im, cfg, out.data(), opt);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

uint64_t Fnv1a64(const void* data, size_t n) {
  uint64_t h = 0xCBF29CE484222325ull;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001B3ull;
  return h;
}

TEST(PreprocessTest, ClipMatchesTransformersExactly) {
  auto ref = hf::SafeTensors::Open(DataPath("reference/clip-224.pixel_values.safetensors"));
  ASSERT_OK(ref.status());
  const hf::TensorView* pv = (*ref)->Find("pixel_values");
  ASSERT_NE(pv, nullptr);
  ASSERT_EQ(pv->shape, (std::vector<int64_t>{6, 3, 224, 224}));
  const size_t per_image = 3 * 224 * 224;
  // Both CLIP models: the legacy OpenAI file and the 4.40 file must agree.
  for (const char* model : {"clip-tiny-quickgelu", "clip-tiny-gelu-fp16"}) {
    auto cfg = hf::LoadPreprocessorConfig(DataPath(std::string("models/") + model));
    ASSERT_OK(cfg.status());
    ASSERT_EQ(OutputHeight(*cfg), 224);
    ASSERT_EQ(OutputWidth(*cfg), 224);
    for (size_t i = 0; i < 6; ++i) {
      SCOPED_TRACE(std::string(model) + " " + kImages[i]);
      std::vector<float> got = PreprocessImage(Decode(kImages[i]), *cfg);
      ASSERT_EQ(got.size(), per_image);
      std::vector<float> want(per_image);
      std::memcpy(want.data(), pv->data + i * per_image * 4, per_image * 4);
      float max_diff = 0;
      for (size_t k = 0; k < per_image; ++k) max_diff = std::max(max_diff, std::fabs(got[k] - want[k]));
      EXPECT_EQ(max_diff, 0.0f);  // README: bit-exact (tolerance 1e-6)
    }
  }
}

TEST(PreprocessTest, BlipMatchesTransformersExactly) {
  auto ref = hf::SafeTensors::Open(DataPath("reference/blip-384.pixel_values.sample.safetensors"));
  ASSERT_OK(ref.status());
  const hf::TensorView* idx = (*ref)->Find("indices");
  const hf::TensorView* val = (*ref)->Find("values");
  const hf::TensorView* fnv = (*ref)->Find("fnv1a64");
  ASSERT_TRUE(idx && val && fnv);
  const int64_t samples = idx->shape[1];
  auto cfg = hf::LoadPreprocessorConfig(DataPath("models/blip-tiny"));
  ASSERT_OK(cfg.status());
  ASSERT_EQ(OutputHeight(*cfg), 384);
  ASSERT_EQ(OutputWidth(*cfg), 384);
  for (int i = 0; i < 6; ++i) {
    SCOPED_TRACE(kImages[i]);
    std::vector<float> got = PreprocessImage(Decode(kImages[i]), *cfg);
    ASSERT_EQ(got.size(), 3u * 384 * 384);
    for (int64_t s = 0; s < samples; ++s) {
      int32_t k;
      float want;
      std::memcpy(&k, idx->data + (i * samples + s) * 4, 4);
      std::memcpy(&want, val->data + (i * samples + s) * 4, 4);
      ASSERT_EQ(got[size_t(k)], want) << "element " << k;
    }
    uint64_t want_hash;
    std::memcpy(&want_hash, fnv->data + i * 8, 8);
    EXPECT_EQ(Fnv1a64(got.data(), got.size() * 4), want_hash);
  }
}

TEST(PreprocessTest, ResizedSizesFollowTransformers) {
  PreprocessorConfig clip;  // shortest edge 224
  clip.shortest_edge = 224;
  clip.do_center_crop = true;
  clip.crop_height = clip.crop_width = 224;
  // README table: resized HxW for the reference images.
  const int cases[][4] = {{640, 427, 335, 224}, {290, 442, 224, 341}, {448, 172, 583, 224},
                          {128, 128, 224, 224}, {566, 350, 362, 224}, {236, 236, 224, 224}};
  for (const auto& c : cases) {
    auto s = ResizedSize(clip, c[0], c[1]);
    ASSERT_OK(s.status());
    EXPECT_EQ(s->width, c[2]);
    EXPECT_EQ(s->height, c[3]);
  }
  EXPECT_TRUE(ResizedSize(clip, 100000, 10).status().IsInvalidArgument());
  EXPECT_TRUE(ResizedSize(clip, 0, 10).status().IsInvalidArgument());
}

// A crop larger than the resized image pads with byte 0 (transformers
// center_crop), so the padded border holds (0 - mean) / std.
TEST(PreprocessTest, CropLargerThanImageZeroPads) {
  image::Image im = Decode(kImages[0]);  // 640x427 -> 335x224
  PreprocessorConfig full;
  full.shortest_edge = 224;
  full.do_center_crop = false;
  PreprocessorConfig padded = full;
  padded.do_center_crop = true;
  padded.crop_height = padded.crop_width = 256;
  std::vector<float> ref = PreprocessImage(im, full);  // 3 x 224 x 335
  std::vector<float> got = PreprocessImage(im, padded);
  ASSERT_EQ(got.size(), 3u * 256 * 256);
  const int top = 16, left = -39;  // (224-256)//2 = -16 -> rows offset 16; (335-256)//2 = 39
  for (int c = 0; c < 3; ++c) {
    const float pad = (0.0f - full.mean[c]) / full.std[c];
    for (int y = 0; y < 256; ++y) {
      for (int x = 0; x < 256; ++x) {
        float v = got[(size_t(c) * 256 + y) * 256 + x];
        int ry = y - top, rx = x - left;
        if (ry < 0 || ry >= 224) {
          ASSERT_EQ(v, pad) << c << " " << y << " " << x;
        } else {
          ASSERT_EQ(v, ref[(size_t(c) * 224 + ry) * 335 + rx]) << c << " " << y << " " << x;
        }
      }
    }
  }
}

TEST(PreprocessTest, NoResizeNoNormalise) {
  image::Image im;
  im.width = 2;
  im.height = 1;
  im.pixels = {0, 51, 255, 255, 0, 102};
  PreprocessorConfig cfg;
  cfg.do_resize = false;
  cfg.do_normalize = false;
  std::vector<float> got = PreprocessImage(im, cfg);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0], 0.0f);                          // R of pixel 0
  EXPECT_EQ(got[1], float(255 * (1.0 / 255)));      // R of pixel 1
  EXPECT_EQ(got[2], float(51 * (1.0 / 255)));       // G of pixel 0
  EXPECT_EQ(got[5], float(102 * (1.0 / 255)));      // B of pixel 1
  EXPECT_EQ(OutputHeight(cfg), 0);
}

// The opt-in fast path stays close to the exact one on a large photo-like image.
TEST(PreprocessTest, ReducingGapIsCloseButOptIn) {
  image::Image big;
  big.width = 2400;
  big.height = 1800;
  big.pixels.resize(size_t(big.width) * big.height * 3);
  for (int y = 0; y < big.height; ++y) {
    for (int x = 0; x < big.width; ++x) {
      uint8_t* p = big.pixels.data() + (size_t(y) * big.width + x) * 3;
      p[0] = uint8_t(128 + 100 * std::sin(x * 0.01) * std::cos(y * 0.013));
      p[1] = uint8_t((x / 7 + y / 5) % 256);
      p[2] = uint8_t(255 * (x > y));
    }
  }
  auto cfg = hf::LoadPreprocessorConfig(DataPath("models/clip-tiny-quickgelu"));
  ASSERT_OK(cfg.status());
  std::vector<float> exact = PreprocessImage(big, *cfg);
  PreprocessOptions fast;
  fast.reducing_gap = 2.0;
  std::vector<float> approx = PreprocessImage(big, *cfg, fast);
  ASSERT_EQ(exact.size(), approx.size());
  double max_diff = 0, mean_diff = 0;
  for (size_t i = 0; i < exact.size(); ++i) {
    double d = std::fabs(double(exact[i]) - approx[i]);
    max_diff = std::max(max_diff, d);
    mean_diff += d / exact.size();
  }
  EXPECT_GT(max_diff, 0.0);  // it is a different algorithm
  // 1/255/std ~ 0.015 per grey level: mean well under one level.
  EXPECT_LT(mean_diff, 0.015);
  EXPECT_LT(max_diff, 1.0);
}

}  // namespace
}  // namespace photoidx::models::preprocess
