// Search bench (issue 4 item 10, the index half): an index of N photos with
// synthetic 512-d embeddings; times what `photoidx search` does after the
// query is embedded: open the index, load the model's embeddings, score all,
// top-k, look the winners up. Also times loading the model plugin
// (libtorch) the way the binary does, since that dominates a cold search.
//
//   build/bench/search_bench [rows=100000] [plugin=build/app/libphotoidx_models.so]
#include <dlfcn.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/index/index_store.h"
#include "core/metrics/memory.h"
#include "core/search/search.h"

namespace fsys = std::filesystem;
using namespace photoidx;

namespace {

double Ms(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string Sha(int i) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%064x", i);
  return buf;
}

std::vector<float> RandomUnit(std::mt19937& rng, int dim) {
  std::normal_distribution<float> n;
  std::vector<float> v(static_cast<size_t>(dim));
  double s = 0;
  for (auto& x : v) s += double(x = n(rng)) * x;
  for (auto& x : v) x = float(x / std::sqrt(s));
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const int rows = argc > 1 ? std::atoi(argv[1]) : 100000;
  const std::string plugin = argc > 2 ? argv[2] : "build/app/libphotoidx_models.so";
  const int dim = 512;
  const std::string path = (fsys::temp_directory_path() / "photoidx-search-bench.db").string();
  if (!fsys::exists(path)) {
    auto store = index::IndexStore::Open(path, {});
    if (!store.ok()) return 1;
    (void)(*store)->RegisterModel("fp", "synthetic", "clip", dim);
    std::mt19937 rng(42);
    for (int b = 0; b < rows; b += 1000) {
      (void)(*store)->Begin();
      for (int i = b; i < std::min(rows, b + 1000); ++i) {
        index::FileRow f;
        f.path = "/photos/" + std::to_string(i / 1000) + "/IMG_" + std::to_string(i) + ".jpg";
        f.size = 1;
        f.mtime_ns = 1;
        f.sha256 = Sha(i);
        (void)(*store)->UpsertFile(f);
        image::Metadata m;
        m.width = 4032;
        m.height = 3024;
        (void)(*store)->PutContent(f.sha256, 1, m);
        auto v = RandomUnit(rng, dim);
        (void)(*store)->PutEmbedding(f.sha256, "fp", v.data(), dim);
      }
      (void)(*store)->Commit();
    }
    std::printf("wrote %d rows to %s\n", rows, path.c_str());
  }
  std::mt19937 rng(7);
  auto query = RandomUnit(rng, dim);
  for (int run = 0; run < 3; ++run) {
    auto t0 = std::chrono::steady_clock::now();
    index::OpenOptions oo;
    oo.create = false;
    auto store = index::IndexStore::Open(path, oo);
    const double open_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    auto matrix = (*store)->LoadEmbeddings("fp");
    const double load_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    auto scores = search::ScoreAll(*matrix, query);
    const double score_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    auto top = search::TopK(scores, 10);
    const double topk_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    search::SearchOptions so;
    auto hits = search::SearchByEmbedding(**store, "fp", query, so);
    const double full_ms = Ms(t0);
    std::printf("rows %zu: open %.1f ms, load %.1f ms, score %.2f ms, top-10 %.2f ms, "
                "SearchByEmbedding end to end %.1f ms (%zu hits), rss %.0f MiB\n",
                matrix->rows(), open_ms, load_ms, score_ms, topk_ms, full_ms, hits->size(),
                metrics::ReadProcessMemory().rss_bytes / 1048576.0);
  }
  auto t0 = std::chrono::steady_clock::now();
  void* h = dlopen(plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::printf("dlopen %s: %.0f ms (%s), rss %.0f MiB\n", plugin.c_str(), Ms(t0),
              h ? "ok" : dlerror(), metrics::ReadProcessMemory().rss_bytes / 1048576.0);
  return 0;
}
