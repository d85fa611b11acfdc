// Decode throughput of the JPEG and PNG paths: DecodeImage() at full size and
// at min_side 224 (what CLIP needs), the metadata-only path, EXIF reading and
// the orientation transform.
//
//   build/bench/decode_bench [--benchmark_filter=...]
// Files come from tests/data/images. The 12 MP phone JPEG is not in the repo;
// it is read from $PHOTOIDX_BENCH_12MP_JPEG, else from the shared corpus next
// to the checkout (../shared/fixtures/images/jpeg/phone_pixel_12mp_gps.jpg),
// and its benchmarks are skipped when neither exists.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/image/exif_reader.h"
#include "core/image/image.h"
#include "core/image/orientation.h"

namespace {

using photoidx::image::DecodeOptions;

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

struct Input {
  std::string label;  // benchmark name part
  std::string path;
};

std::vector<Input> Inputs() {
  const std::string data = std::string(PHOTOIDX_TEST_DATA) + "/images/";
  std::vector<Input> in = {
      {"jpeg_baseline_0.03MP", data + "jpeg/baseline_420_testorig.jpg"},
      {"jpeg_progressive_0.16MP", data + "jpeg/progressive_gps.jpg"},
      {"jpeg_444_0.17MP", data + "jpeg/ycc444_sony_a550.jpg"},
      {"jpeg_cmyk_0.01MP", data + "jpeg/cmyk_adobe_ycck.jpg"},
      {"jpeg_2MP_orient6", data + "orientation/jpeg/Portrait_6.jpg"},
      {"png_rgb8_0.02MP", data + "png/photo_rgb8.png"},
      {"png_rgb8_0.26MP_orient3", data + "orientation/png/imagemagick_exif_orient3.png"},
      {"png_rgba16_0.02MP", data + "png/rgba16_exif.png"},
  };
  const char* env = std::getenv("PHOTOIDX_BENCH_12MP_JPEG");
  std::string big = env != nullptr
                        ? env
                        : std::string(PHOTOIDX_TEST_DATA) +
                              "/../../../shared/fixtures/images/jpeg/phone_pixel_12mp_gps.jpg";
  if (std::filesystem::exists(big)) in.push_back({"jpeg_12MP_phone", big});
  return in;
}

void BM_Decode(benchmark::State& state, std::vector<uint8_t> bytes, DecodeOptions opt) {
  int64_t pixels = 0;
  for (auto _ : state) {
    auto d = photoidx::image::DecodeImage("bench", bytes, opt);
    if (!d.ok()) {
      state.SkipWithError(d.status().ToString().c_str());
      return;
    }
    pixels = int64_t(d->metadata.width) * d->metadata.height;
    benchmark::DoNotOptimize(d->image.pixels.data());
  }
  state.counters["MP"] = double(pixels) / 1e6;
  state.counters["img/s"] = benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(bytes.size()));
}

void BM_ReadExif(benchmark::State& state, std::vector<uint8_t> bytes) {
  for (auto _ : state) {
    auto info = photoidx::image::ReadExifFromFile(bytes);
    benchmark::DoNotOptimize(info.ok());
  }
}

void BM_Orient(benchmark::State& state, photoidx::image::Image img, int orientation) {
  for (auto _ : state) {
    photoidx::image::Image copy = img;
    photoidx::image::ApplyExifOrientation(orientation, &copy);
    benchmark::DoNotOptimize(copy.pixels.data());
  }
  state.counters["MP"] = double(img.width) * img.height / 1e6;
}

void RegisterAll() {
  for (const Input& in : Inputs()) {
    std::vector<uint8_t> bytes = ReadAll(in.path);
    if (bytes.empty()) continue;
    DecodeOptions full, reduced, meta;
    reduced.min_side = 224;
    meta.metadata_only = true;
    benchmark::RegisterBenchmark(("decode/" + in.label + "/full").c_str(), BM_Decode, bytes, full)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("decode/" + in.label + "/min_side_224").c_str(), BM_Decode, bytes,
                                 reduced)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("decode/" + in.label + "/metadata_only").c_str(), BM_Decode,
                                 bytes, meta)
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("exif/" + in.label).c_str(), BM_ReadExif, bytes)
        ->Unit(benchmark::kMicrosecond);
    if (in.label == "jpeg_12MP_phone") {
      auto d = photoidx::image::DecodeImage(in.label, bytes);
      if (!d.ok()) continue;
      for (int o : {1, 3, 6}) {  // 1: the 36 MB copy alone
        benchmark::RegisterBenchmark(("orient/12MP/" + std::to_string(o)).c_str(), BM_Orient,
                                     d->image, o)
            ->Unit(benchmark::kMillisecond);
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  photoidx::image::InitImageLibraries();
  RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
