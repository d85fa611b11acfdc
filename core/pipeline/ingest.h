// Ingest: the per-file half of a build (read, sniff, hash, decode, metadata),
// run on worker threads; the results are written to the index by the build
// thread. Internal to core/pipeline.
#ifndef PHOTOIDX_CORE_PIPELINE_INGEST_H_
#define PHOTOIDX_CORE_PIPELINE_INGEST_H_

#include <mutex>
#include <string>
#include <unordered_set>

#include "core/fs/file_system.h"
#include "core/image/image.h"
#include "core/pipeline/planner.h"

namespace photoidx::pipeline {

enum class IngestKind {
  kDecoded,   // new content, decoded; metadata valid
  kReused,    // content already in the index (or decoded earlier in this run)
  kIgnored,   // not an image
  kFailed,    // stage + status say why
};

struct IngestOutcome {
  IngestKind kind = IngestKind::kFailed;
  std::string sha256;
  image::Metadata metadata;
  const char* stage = "";  // for kFailed: "read", "hash", "decode"
  Status status;
};

// Content hashes already known: the index's, plus those claimed during this
// run (a copy of a new photo in the same run is decoded once). Thread-safe.
class ContentSet {
 public:
  explicit ContentSet(std::unordered_set<std::string> known) : known_(std::move(known)) {}
  // True when `sha256` was already known; otherwise claims it and returns false.
  bool CheckAndClaim(const std::string& sha256);
  // Releases a claim whose decode failed, so a later good copy is decoded.
  void Unclaim(const std::string& sha256);

 private:
  std::mutex mu_;
  std::unordered_set<std::string> known_;
};

// True when the name ends in an extension people use for photos (.jpg, .heic,
// .dng, ...): such a file that is not an image is a failure, not ignored.
bool HasImageExtension(const std::string& path);

IngestOutcome IngestFile(fs::FileSystem& fs, const WorkItem& item, ContentSet& contents,
                         int min_side);

}  // namespace photoidx::pipeline

#endif  // PHOTOIDX_CORE_PIPELINE_INGEST_H_
