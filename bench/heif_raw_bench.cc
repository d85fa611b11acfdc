// HEIF and RAW decode paths, per file, in milliseconds (median of N runs):
//   HEIC: full decode of the primary image vs the embedded thumbnail
//         (DecodeOptions::min_side = 224, what CLIP needs);
//   RAW:  the embedded preview vs half-size processing of the same file.
// Usage: heif_raw_bench [DIR...]   (default: tests/data/images/{heic,
// orientation/heic,raw}; point it at ../shared/fixtures/images/{heic,raw}
// for the large files). Env HEIF_RAW_BENCH_RUNS sets N (default 5).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "core/image/decoder_internal.h"
#include "core/image/image.h"
#include "core/image/raw_decoder.h"

namespace {

namespace fs = std::filesystem;
using photoidx::image::DecodeOptions;
using photoidx::image::Format;
using photoidx::image::internal::AdapterOutput;
using photoidx::image::internal::RawPath;
using Decoder = std::function<photoidx::Result<AdapterOutput>()>;

std::vector<uint8_t> ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Median wall time in ms, or a negative value when the decoder fails.
double MedianMs(const Decoder& decode, int runs, std::string* size) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    photoidx::Result<AdapterOutput> out = decode();
    auto t1 = std::chrono::steady_clock::now();
    if (!out.ok()) {
      *size = out.status().message();
      return -1;
    }
    *size = std::to_string(out->image.width) + "x" + std::to_string(out->image.height);
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void Row(const std::string& file, const char* path_a, const Decoder& a, const char* path_b,
         const Decoder& b, int runs) {
  std::string size_a, size_b;
  const double ms_a = MedianMs(a, runs, &size_a);
  const double ms_b = MedianMs(b, runs, &size_b);
  std::printf("%-48s %-9s %9.1f ms %-11s | %-9s %9.1f ms %s\n", file.c_str(), path_a, ms_a,
              size_a.c_str(), path_b, ms_b, size_b.c_str());
}

void BenchFile(const fs::path& p, int runs) {
  const std::vector<uint8_t> bytes = ReadAll(p);
  const Format f = photoidx::image::SniffFormat(bytes);
  const std::string name = p.filename().string();
  DecodeOptions full;
  DecodeOptions small;
  small.min_side = 224;
  namespace in = photoidx::image::internal;
  if (f == Format::kHeif || f == Format::kAvif) {
    Row(name, "full", [&] { return in::DecodeHeif(bytes, full); }, "min224", [&] {
      return in::DecodeHeif(bytes, small);
    }, runs);
  } else if (f == Format::kRaw || f == Format::kTiff || f == Format::kUnknown) {
    Row(name, "preview", [&] { return in::DecodeRawVia(bytes, full, RawPath::kPreview); },
        "halfsize", [&] { return in::DecodeRawVia(bytes, full, RawPath::kProcess); }, runs);
  }
}

}  // namespace

int main(int argc, char** argv) {
  photoidx::image::InitImageLibraries();
  const char* env_runs = std::getenv("HEIF_RAW_BENCH_RUNS");
  const int runs = std::max(1, env_runs != nullptr ? std::atoi(env_runs) : 5);
  std::vector<fs::path> dirs;
  for (int i = 1; i < argc; ++i) dirs.emplace_back(argv[i]);
  if (dirs.empty()) {
    const fs::path data = fs::path(PHOTOIDX_TEST_DATA) / "images";
    dirs = {data / "heic", data / "orientation/heic", data / "raw"};
  }
  std::printf("median of %d runs per path; a failed path shows its reason\n", runs);
  for (const fs::path& dir : dirs) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    if (ec) std::fprintf(stderr, "heif_raw_bench: %s: %s\n", dir.c_str(), ec.message().c_str());
    std::sort(files.begin(), files.end());
    for (const fs::path& p : files) BenchFile(p, runs);
  }
  return 0;
}
