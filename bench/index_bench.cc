// index_bench: SQLite index throughput on synthetic data.
//
//   index_bench [ROWS=100000] [DIM=512] [DIR=/tmp]
//
// Writes ROWS photos (file row + content row + one float32 embedding of DIM)
// in batches of 1,000 (one transaction each, as build does), then times a
// fresh reader's LoadEmbeddings / ScanEmbeddings (what search does first) and
// LoadFiles (what the planner does first) at 10,000 and ROWS rows. Prints one
// line per figure, wall and CPU time (best of three).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/index/index_store.h"

namespace {

using photoidx::index::IndexStore;
using photoidx::index::OpenOptions;
using Clock = std::chrono::steady_clock;

constexpr int kBatch = 1000;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// User + system CPU seconds of this process: on a shared, loaded machine the
// wall time mostly measures the neighbours.
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

void Die(const photoidx::Status& s) {
  std::fprintf(stderr, "index_bench: %s\n", s.ToString().c_str());
  std::exit(1);
}

std::unique_ptr<IndexStore> Open(const std::string& path, bool writer) {
  auto store = IndexStore::Open(path, OpenOptions{.writer = writer, .create = writer});
  if (!store.ok()) Die(store.status());
  return std::move(store).value();
}

std::string HashOf(int i) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064x", i * 2654435761u);
  return buf;
}

// Writes rows [0, n) (files, contents and, when dim > 0, embeddings).
// Returns wall seconds; *cpu gets CPU seconds.
double Fill(IndexStore& s, int n, int dim, double* cpu) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  std::vector<float> vec(static_cast<size_t>(std::max(dim, 1)));
  photoidx::image::Metadata meta;
  meta.format = photoidx::image::Format::kJpeg;
  meta.width = 4032;
  meta.height = 3024;
  meta.date_taken = "2023-06-01T12:00:00";
  meta.make = "Apple";
  if (dim > 0 && !s.RegisterModel("bench-model", "bench", "clip", dim).ok()) std::exit(1);
  auto t0 = Clock::now();
  double c0 = CpuSeconds();
  for (int begin = 0; begin < n; begin += kBatch) {
    if (auto st = s.Begin(); !st.ok()) Die(st);
    for (int i = begin; i < std::min(n, begin + kBatch); ++i) {
      std::string hash = HashOf(i);
      std::string path = "/photos/" + std::to_string(i / 1000) + "/IMG_" + std::to_string(i) + ".JPG";
      if (auto st = s.UpsertFile({path, 3'000'000u + i, 1'700'000'000'000'000'000 + i, hash}); !st.ok()) Die(st);
      if (auto st = s.PutContent(hash, 3'000'000u + i, meta); !st.ok()) Die(st);
      if (dim > 0) {
        for (float& x : vec) x = normal(rng);
        if (auto st = s.PutEmbedding(hash, "bench-model", vec.data(), dim); !st.ok()) Die(st);
      }
    }
    if (auto st = s.Commit(); !st.ok()) Die(st);
  }
  *cpu = CpuSeconds() - c0;
  return Seconds(t0);
}

// Best of three fresh-reader runs of `what` (open timed separately).
template <typename F>
void TimeReader(const char* label, const std::string& path, F what) {
  double best_open = 1e9, best = 1e9, best_cpu = 1e9;
  size_t rows = 0;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = Clock::now();
    auto store = Open(path, false);
    best_open = std::min(best_open, Seconds(t0));
    auto t1 = Clock::now();
    double c1 = CpuSeconds();
    rows = what(*store);
    best_cpu = std::min(best_cpu, CpuSeconds() - c1);
    best = std::min(best, Seconds(t1));
  }
  std::printf("%-26s %7zu rows  wall %8.1f ms  cpu %8.1f ms  (open %.1f ms)\n", label, rows,
              best * 1e3, best_cpu * 1e3, best_open * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  int rows = argc > 1 ? std::atoi(argv[1]) : 100000;
  int dim = argc > 2 ? std::atoi(argv[2]) : 512;
  std::string base = argc > 3 ? argv[3] : "/tmp";
  std::string dir = base + "/index_bench-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::string big = dir + "/big.db", small = dir + "/small.db";

  double cpu = 0;
  double fill = Fill(*Open(big, true), rows, dim, &cpu);
  std::printf("%-26s %7d rows  wall %8.1f ms  cpu %8.1f ms  (%.0f rows/s wall, file %.0f MB)\n",
              "write files+contents+emb", rows, fill * 1e3, cpu * 1e3, rows / fill,
              std::filesystem::file_size(big) / 1e6);
  double fill_small = Fill(*Open(small, true), 10000, 0, &cpu);
  std::printf("%-26s %7d rows  wall %8.1f ms  cpu %8.1f ms\n", "write files+contents", 10000,
              fill_small * 1e3, cpu * 1e3);

  TimeReader("LoadEmbeddings", big, [](IndexStore& s) {
    auto m = s.LoadEmbeddings("bench-model");
    if (!m.ok()) Die(m.status());
    return m->rows();
  });
  TimeReader("ScanEmbeddings (dot)", big, [dim](IndexStore& s) {
    std::vector<float> query(static_cast<size_t>(dim), 1.0f / float(dim));
    size_t n = 0;
    float best = -1e30f;
    auto st = s.ScanEmbeddings("bench-model", [&](std::string_view, std::span<const float> v) {
      float dot = 0;
      for (size_t i = 0; i < v.size(); ++i) dot += v[i] * query[i];
      best = std::max(best, dot);
      ++n;
    });
    if (!st.ok()) Die(st);
    return n;
  });
  TimeReader("LoadFiles (10k)", small, [](IndexStore& s) {
    auto f = s.LoadFiles();
    if (!f.ok()) Die(f.status());
    return f->size();
  });
  TimeReader("LoadFiles (big)", big, [](IndexStore& s) {
    auto f = s.LoadFiles();
    if (!f.ok()) Die(f.status());
    return f->size();
  });
  if (std::getenv("INDEX_BENCH_KEEP") == nullptr) std::filesystem::remove_all(dir);
  return 0;
}
