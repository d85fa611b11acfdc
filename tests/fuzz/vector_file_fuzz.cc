// libFuzzer entry: any file handed to VectorFile::Open (a cache file beside
// the index, so anything a crash or a stray write can leave there) must give
// a Status or a file whose rows and hashes all lie inside the mapping.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/base/check.h"
#include "core/index/vector_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/photoidx-vector-fuzz-" + std::to_string(getpid());
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  if (size > 0) std::fwrite(data, 1, size, f);
  std::fclose(f);
  auto file = photoidx::index::VectorFile::Open(path);
  if (!file.ok()) return 0;
  const auto& v = **file;
  PHOTOIDX_CHECK(v.dim() > 0);
  // Touch every float and hash so ASan sees any read outside the mapping.
  double sum = 0;
  for (size_t i = 0; i < v.rows() * size_t(v.dim()); ++i) sum += v.data()[i];
  for (size_t i = 0; i < v.rows(); ++i) PHOTOIDX_CHECK(v.sha256(i).size() == 64);
  (void)sum;
  return 0;
}
