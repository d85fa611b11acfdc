// Search bench (issue 4 item 10): an index of N photos with synthetic 512-d
// embeddings. Times what `photoidx search` does after the query is embedded
// (open the index, get the model's embeddings from SQLite or from the
// mmapped vector file, score all, top-k, look the winners up), and loading
// the model plugin (libtorch) the way the binary would.
//
// With a CLIP model folder and the binary (bench/cold_search.sh writes a
// ViT-B/32 one with random weights), the index is registered under that
// model's fingerprint and the whole cold command is timed as a user runs it:
// `photoidx search "..." --index I --clip-model M --json`, new process each
// time (wall time and peak RSS of the child).
//
//   build/bench/search_bench [rows=100000] [plugin=build/app/libphotoidx_models.so]
//                            [model_dir binary]
#include <dlfcn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "core/index/index_store.h"
#include "core/index/vector_file.h"
#include "core/metrics/memory.h"
#include "core/models/hf/fingerprint.h"
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

// Runs argv as a child; returns its wall ms and sets *peak_kib to its peak
// RSS (ru_maxrss of that child alone: each run is measured after a wait).
double RunChild(const std::vector<std::string>& args, long* peak_kib) {
  std::fflush(stdout);  // or the child's exit would print our buffer again
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!std::freopen("/dev/null", "w", stdout)) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  wait4(pid, &status, 0, &ru);
  *peak_kib = ru.ru_maxrss;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "child failed (status %d)\n", status);
    std::exit(1);
  }
  return Ms(t0);
}

// Without the vector file (moved aside) search reads the embeddings from
// SQLite: both are timed.
void ColdCommand(const std::string& index, const std::string& vectors, const std::string& model,
                 const std::string& binary) {
  for (const bool use_file : {true, false}) {
    if (!use_file) fsys::rename(vectors, vectors + ".aside");
    for (int run = 0; run < 4; ++run) {
      long peak = 0;
      const double ms = RunChild({binary, "search", "a photo of a dog", "--index", index,
                                  "--clip-model", model, "--json"}, &peak);
      std::printf("cold `photoidx search` (%s), run %d: %.0f ms wall, peak rss %.0f MiB\n",
                  use_file ? "vector file" : "embeddings from SQLite", run + 1, ms,
                  peak / 1024.0);
    }
    if (!use_file) fsys::rename(vectors + ".aside", vectors);
  }
}

int main(int argc, char** argv) {
  const int rows = argc > 1 ? std::atoi(argv[1]) : 100000;
  const std::string plugin = argc > 2 ? argv[2] : "build/app/libphotoidx_models.so";
  const std::string model_dir = argc > 4 ? argv[3] : "";
  const std::string binary = argc > 4 ? argv[4] : "";
  const int dim = 512;
  std::string fp = "fp";
  if (!model_dir.empty()) {
    auto f = models::hf::ModelFingerprint(model_dir, {});
    if (!f.ok()) {
      std::fprintf(stderr, "%s\n", f.status().ToString().c_str());
      return 1;
    }
    fp = *f;
  }
  const std::string path = (fsys::temp_directory_path() / ("photoidx-search-bench-" +
                            std::to_string(rows) + "-" + fp.substr(0, 8) + ".db")).string();
  if (!fsys::exists(path)) {
    auto store = index::IndexStore::Open(path, {});
    if (!store.ok()) return 1;
    (void)(*store)->RegisterModel(fp, "synthetic", "clip", dim);
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
        (void)(*store)->PutEmbedding(f.sha256, fp, v.data(), dim);
      }
      (void)(*store)->Commit();
    }
    std::printf("wrote %d rows to %s\n", rows, path.c_str());
  }
  const std::string vpath = index::VectorFilePath(path, fp);
  {
    auto store = index::IndexStore::Open(path, {});
    if (!store.ok()) return 1;
    auto t0 = std::chrono::steady_clock::now();
    auto wrote = index::RefreshVectorFile(**store, fp, vpath);
    if (!wrote.ok()) return 1;
    std::printf("vector file %s: %s in %.0f ms\n", vpath.c_str(),
                *wrote ? "written" : "current", Ms(t0));
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
    auto matrix = (*store)->LoadEmbeddings(fp);
    const double load_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    auto scores = search::ScoreAll(*matrix, query);
    const double score_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    auto top = search::TopK(scores, 10);
    const double topk_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    search::SearchOptions so;
    auto hits = search::SearchByEmbedding(**store, fp, query, so);
    const double full_ms = Ms(t0);
    t0 = std::chrono::steady_clock::now();
    auto vectors = index::OpenCurrentVectorFile(**store, fp, vpath);
    auto mapped = search::SearchByEmbedding(**store, fp, query, so, vectors.get());
    const double mapped_ms = Ms(t0);
    std::printf("rows %zu: open %.1f ms, load %.1f ms, score %.2f ms, top-10 %.2f ms, "
                "SearchByEmbedding end to end %.1f ms (%zu hits); from the vector file "
                "%.1f ms (%zu hits, same: %s); rss %.0f MiB\n",
                matrix->rows(), open_ms, load_ms, score_ms, topk_ms, full_ms, hits->size(),
                mapped_ms, mapped->size(),
                hits->size() == mapped->size() && (*hits)[0].path == (*mapped)[0].path ? "yes"
                                                                                     : "NO",
                metrics::ReadProcessMemory().rss_bytes / 1048576.0);
  }
  if (!binary.empty()) ColdCommand(path, vpath, model_dir, binary);
  auto t0 = std::chrono::steady_clock::now();
  void* h = dlopen(plugin.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::printf("dlopen %s: %.0f ms (%s), rss %.0f MiB\n", plugin.c_str(), Ms(t0),
              h ? "ok" : dlerror(), metrics::ReadProcessMemory().rss_bytes / 1048576.0);
  return 0;
}
