// A model's embeddings as one memory-mapped matrix beside the index, so
// that a search process scores them straight from the page cache instead of
// reading 100,000 SQLite blobs (0.7-0.9 s on the 2-core machine, against the
// 0.5 s budget of a whole cold search; docs/benchmarks.md).
//
// The SQLite index stays the source of truth. The file is a cache written by
// writers (build, gc) with RefreshVectorFile(), and trusted by readers only
// when its stamp equals the index's VectorsVersion() for the model (a stamp
// that triggers change with every embedding write; schema v3). A missing,
// stale, truncated or foreign file is never an error: search falls back to
// the index.
//
// It holds every stored embedding of the model, present or not: presence
// changes without touching embeddings, so search filters presence itself.
//
// Layout (little-endian; the float matrix is 64-byte aligned for mmap):
//   [0, 128)       header: magic "PHXVEC1\n", u32 dim, u32 0, u64 rows,
//                  i64 version, char[64] model fingerprint (NUL padded)
//   [128, ...)     rows x dim float32, row i for sha256[i]
//   [..., end)     rows x 32 bytes: the raw SHA-256 of row i
//
// Thread safety: a VectorFile is immutable after Open(); share it freely.
#ifndef PHOTOIDX_CORE_INDEX_VECTOR_FILE_H_
#define PHOTOIDX_CORE_INDEX_VECTOR_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/index/index_store.h"

namespace photoidx::index {

class VectorFile {
 public:
  ~VectorFile();
  VectorFile(const VectorFile&) = delete;
  VectorFile& operator=(const VectorFile&) = delete;

  // Maps `path` and checks its header and size. NotFound when absent,
  // Corruption when malformed. `prefetch`: the caller will read every row
  // (search), so start reading the file in now.
  static Result<std::unique_ptr<VectorFile>> Open(const std::string& path, bool prefetch = true);

  const std::string& model() const { return model_; }
  int64_t version() const { return version_; }
  int dim() const { return dim_; }
  size_t rows() const { return rows_; }
  // rows() x dim() floats, row-major.
  const float* data() const { return data_; }
  // Lower-case hex SHA-256 of row i.
  std::string sha256(size_t i) const;

 private:
  VectorFile() = default;

  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::string model_;
  int64_t version_ = 0;
  int dim_ = 0;
  size_t rows_ = 0;
  const float* data_ = nullptr;
  const uint8_t* hashes_ = nullptr;
};

// Where the vector file of `model` lives for the index at `index_path`.
std::string VectorFilePath(const std::string& index_path, std::string_view model);

// Writes every stored embedding of `model` to `path` (a temporary file
// renamed into place: readers see the old file or the new one, never half).
Status WriteVectorFile(IndexStore& store, std::string_view model, const std::string& path);

// Rewrites the file only when its stamp differs from the index's (a no-op
// build reads 128 bytes). Returns true when it wrote.
Result<bool> RefreshVectorFile(IndexStore& store, std::string_view model, const std::string& path);

// The file for `model` when it is current for `store`, else null (absent,
// stale or damaged: the caller reads the index instead). Never fails.
std::unique_ptr<VectorFile> OpenCurrentVectorFile(IndexStore& store, std::string_view model,
                                                  const std::string& path, bool prefetch = true);

}  // namespace photoidx::index

#endif  // PHOTOIDX_CORE_INDEX_VECTOR_FILE_H_
