// Pipeline bench (issue 3 item 7): SHA-256 throughput, the no-op rebuild of
// an unchanged 10,000-file library, and ingest throughput (read + sniff +
// hash + decode + metadata) per core on the test photos.
//
//   build/bench/pipeline_bench [files=10000]
//
// Prints one line per figure; docs/benchmarks.md records the results.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/base/logger.h"
#include "core/fs/file_system.h"
#include "core/hash/sha256.h"
#include "core/index/index_store.h"
#include "core/pipeline/build.h"

namespace fsys = std::filesystem;
using namespace photoidx;

namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BenchSha256() {
  std::vector<uint8_t> buf(256u << 20, 0x5a);
  auto t0 = std::chrono::steady_clock::now();
  std::string h = hash::Sha256Hex(buf);
  double s = Seconds(t0);
  std::printf("sha256: 256 MiB in %.3f s = %.0f MB/s (digest %s...)\n", s, 256 * 1.048576 / s,
              h.substr(0, 8).c_str());
}

Status Build(const std::string& root, const std::string& index_path, int threads,
             pipeline::BuildSummary* summary) {
  auto store = index::IndexStore::Open(index_path, {});
  if (!store.ok()) return store.status();
  fs::RealFileSystem fs;
  auto log = NewNullLogger();
  pipeline::BuildOptions o;
  o.roots = {root};
  o.threads = threads;
  return pipeline::RunBuild(fs, **store, *log, o, summary);
}

// Copies every test photo `copies` times with a distinct trailer (distinct
// content, same decode cost).
int64_t MakeLibrary(const std::string& dir, int copies, const std::vector<std::string>& subdirs) {
  int64_t n = 0;
  for (const auto& sub : subdirs) {
    const fsys::path src = fsys::path(PHOTOIDX_TEST_DATA) / "images" / sub;
    if (!fsys::exists(src)) continue;
    for (const auto& e : fsys::directory_iterator(src)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), {});
      for (int c = 0; c < copies; ++c) {
        std::ofstream out(dir + "/" + std::to_string(c) + "_" + e.path().filename().string(),
                          std::ios::binary);
        out << bytes << "copy" << c;
        ++n;
      }
    }
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  const int files = argc > 1 ? std::atoi(argv[1]) : 10000;
  image::InitImageLibraries();
  BenchSha256();

  const std::string tmp = (fsys::temp_directory_path() / "photoidx-pipeline-bench").string();
  fsys::remove_all(tmp);
  fsys::create_directories(tmp + "/lib");
  // An unchanged library of `files` small JPEGs, in 100 folders.
  {
    std::ifstream in(std::string(PHOTOIDX_TEST_DATA) + "/images/jpeg/baseline_420_testorig.jpg",
                     std::ios::binary);
    std::string jpeg((std::istreambuf_iterator<char>(in)), {});
    for (int i = 0; i < files; ++i) {
      const std::string d = tmp + "/lib/d" + std::to_string(i % 100);
      fsys::create_directories(d);
      std::ofstream(d + "/p" + std::to_string(i) + ".jpg", std::ios::binary) << jpeg << i;
    }
  }
  pipeline::BuildSummary s;
  auto t0 = std::chrono::steady_clock::now();
  Status st = Build(tmp + "/lib", tmp + "/index.db", 0, &s);
  std::printf("first build of %d files: %.2f s (%s)\n", files, Seconds(t0), st.ToString().c_str());
  for (int run = 0; run < 3; ++run) {
    t0 = std::chrono::steady_clock::now();
    st = Build(tmp + "/lib", tmp + "/index.db", 0, &s);
    std::printf("rebuild, unchanged %d files: %.3f s wall (unchanged %lld, hashed %lld) %s\n", files,
                Seconds(t0), (long long)s.unchanged, (long long)s.hashed, st.ToString().c_str());
  }

  // Ingest throughput per core on real photos of every format.
  fsys::create_directories(tmp + "/mix");
  const int64_t n = MakeLibrary(tmp + "/mix", 4, {"jpeg", "png", "heic", "raw", "orientation/jpeg"});
  for (int threads : {1, 2}) {
    fsys::remove(tmp + "/mix.db");
    t0 = std::chrono::steady_clock::now();
    st = Build(tmp + "/mix", tmp + "/mix.db", threads, &s);
    const double sec = Seconds(t0);
    std::printf("ingest %lld photos (%lld decoded, %lld failed), %d thread(s): %.2f s = %.1f photos/s\n",
                (long long)n, (long long)s.decoded, (long long)s.failed, threads, sec, n / sec);
  }
  fsys::remove_all(tmp);
  return 0;
}
