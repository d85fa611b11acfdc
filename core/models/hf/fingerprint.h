// ModelFingerprint: a content hash identifying a model's weights and config,
// stored with every embedding so that embeddings of different models never
// mix and a moved or re-downloaded model keeps its embeddings.
//
// Digest (lowercase hex SHA-256, 64 characters) over, in order:
//   "photoidx-model-fingerprint-v1\n"
//   u64 little-endian byte length of config.json, its bytes,
//   u64 little-endian byte length of model.safetensors, its bytes.
// The path never enters the hash: the same files anywhere give the same
// fingerprint.
//
// Hashing 600 MB costs about half a second, so results are remembered in a
// small JSON file keyed by the real paths of both files, and reused while
// both files keep their size and mtime (nanoseconds). The cache is advisory:
// a missing, unreadable or corrupt cache file is ignored (and rewritten), a
// failure to write it is not an error.
//
// Thread safety: safe to call concurrently; updates of the cache file are
// serialised within the process and atomic (write + rename) across processes.
#ifndef PHOTOIDX_CORE_MODELS_HF_FINGERPRINT_H_
#define PHOTOIDX_CORE_MODELS_HF_FINGERPRINT_H_

#include <string>

#include "core/base/result.h"

namespace photoidx::models::hf {

struct FingerprintOptions {
  // The JSON cache file; the CLI passes $XDG_CACHE_HOME/photoidx/fingerprints.json
  // (missing parent folders are created). Empty = no cache: hash every call.
  std::string cache_path;
};

// Reads `<model_dir>/config.json` and `<model_dir>/model.safetensors`.
// NotFound when either is missing, IOError when unreadable.
Result<std::string> ModelFingerprint(const std::string& model_dir,
                                     const FingerprintOptions& options);

}  // namespace photoidx::models::hf

#endif  // PHOTOIDX_CORE_MODELS_HF_FINGERPRINT_H_
