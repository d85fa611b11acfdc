// Shared state of one build run. Internal to core/pipeline.
#ifndef PHOTOIDX_CORE_PIPELINE_BUILD_INTERNAL_H_
#define PHOTOIDX_CORE_PIPELINE_BUILD_INTERNAL_H_

#include <string>
#include <vector>

#include "core/pipeline/build.h"

namespace photoidx::pipeline::internal {

struct RunContext {
  fs::FileSystem& fs;
  index::IndexStore& store;
  Logger& log;
  const BuildOptions& options;
  BuildSummary& summary;

  bool interrupted() const { return options.interrupted != nullptr && options.interrupted->load(); }
  // Logs one line, records the failure in the index (inside the caller's
  // transaction) and in the summary. Aborted once max_failures is exceeded.
  Status Fail(const std::string& path, uint64_t size, int64_t mtime_ns, const std::string& sha256,
              const char* stage, const Status& reason);
  // Appends a finished stage to the summary and logs its line.
  void AddStage(const metrics::StageStats& stats);
};

// A content that a model stage still has to process, with one present file
// that holds it.
struct PendingItem {
  std::string sha256;
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

// Present files grouped by content: one PendingItem per distinct sha256.
Result<std::vector<PendingItem>> PresentContents(index::IndexStore& store);

Status RunEmbedStage(RunContext& ctx, const std::vector<PendingItem>& contents);
Status RunCaptionStage(RunContext& ctx, const std::vector<PendingItem>& contents);

}  // namespace photoidx::pipeline::internal

#endif  // PHOTOIDX_CORE_PIPELINE_BUILD_INTERNAL_H_
