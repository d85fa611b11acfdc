// RunBuild: the `photoidx build` pipeline.
//
//   scan -> plan -> ingest (read, sniff, SHA-256, decode + metadata; in
//   parallel) -> embed (CLIP, in batches; then the model is destroyed and
//   the accelerator cache released) -> caption (BLIP, likewise) -> summary.
//
// Results are keyed by content hash and model fingerprint, so a renamed or
// copied photo never goes through a model again. Every per-file problem is a
// recorded failure (path, stage, reason) and the run goes on. Writes are
// committed in small transactions: a killed build loses at most the batch in
// flight. Only one model is alive at a time (the stage owns it).
#ifndef PHOTOIDX_CORE_PIPELINE_BUILD_H_
#define PHOTOIDX_CORE_PIPELINE_BUILD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/logger.h"
#include "core/base/result.h"
#include "core/fs/file_system.h"
#include "core/index/index_store.h"
#include "core/metrics/clock.h"
#include "core/metrics/stage_stats.h"
#include "core/models/embedder.h"
#include "core/pipeline/planner.h"
#include "core/pipeline/scanner.h"

namespace photoidx::pipeline {

// A model stage is described before its model is loaded: the fingerprint
// (cheap, cached) decides what is pending, and the model is loaded only when
// something is.
// decode_side: the model's input_side() when known before loading it (from
// its preprocessor file): the stage then decodes its first batches while
// the model loads. 0 = wait for the model.
struct EmbedStageSpec {
  std::string name;
  std::string fingerprint;
  std::function<Result<std::unique_ptr<models::ImageEmbedder>>()> load;
  int decode_side = 0;
};

struct CaptionStageSpec {
  std::string name;
  std::string fingerprint;
  std::function<Result<std::unique_ptr<models::Captioner>>()> load;
  models::CaptionOptions options;
  int decode_side = 0;
};

struct Progress {
  const char* stage;
  int64_t done;
  int64_t total;
};

struct BuildOptions {
  // Absolute folders (or files) to index.
  std::vector<std::string> roots;
  ScanOptions scan;
  PlanOptions plan;
  // Worker threads for read/hash/decode; 0 = one per core.
  int threads = 0;
  // Files per index transaction during ingest.
  int commit_every = 64;
  // Images per model batch (halved on a model failure and retried).
  int batch_size = 32;
  // Shorter side the ingest decode needs. It only validates the file (the
  // metadata comes from the headers) and each model stage decodes again at
  // its own side, so 1 asks for the cheapest decode a file offers: JPEG at
  // DCT scale 1/8, a HEIF's thumbnail of the photo's aspect, a RAW's embedded
  // preview. At 256 an iPhone HEIC (240x320 thumbnail) was fully decoded
  // here, 0.4 s of CPU, only to be decoded again by the caption stage. A
  // file whose full image is broken then fails in the model stage that
  // decodes it, under that stage's name. 0 = full size.
  int ingest_min_side = 1;
  // Stop with Status::Aborted after this many failed files; 0 = no limit.
  int64_t max_failures = 0;
  std::optional<EmbedStageSpec> embed;
  std::optional<CaptionStageSpec> caption;
  // Called after each model is destroyed (CUDA: emptyCache).
  std::function<void()> release_accelerator_cache;
  // Set asynchronously (SIGINT): the build commits what it has and stops.
  const std::atomic<bool>* interrupted = nullptr;
  // Called from the build thread now and then (progress bar).
  std::function<void(const Progress&)> progress;
  const metrics::Clock* clock = metrics::RealClock();
};

struct FailureRecord {
  std::string path;
  std::string stage;
  std::string reason;
};

struct BuildSummary {
  int64_t run_id = 0;
  int64_t seen = 0;
  int64_t unchanged = 0;
  int64_t new_files = 0;
  int64_t changed = 0;
  int64_t hashed = 0;
  int64_t reused = 0;      // content already known: no decode, no model
  int64_t decoded = 0;
  int64_t ignored = 0;     // not images (by content)
  int64_t failed = 0;
  int64_t warned = 0;      // indexed, but with damaged metadata (stage "metadata")
  int64_t missing = 0;
  int64_t embedded = 0;
  int64_t embeddings_reused = 0;
  int64_t captioned = 0;
  int64_t captions_reused = 0;
  bool interrupted = false;
  std::vector<metrics::StageStats> stages;
  std::vector<FailureRecord> failures;
  double wall_seconds = 0;
};

// Runs a build. Returns OK when the run completed (per-file failures are in
// the summary), Interrupted, Aborted (max_failures), or an index error.
Status RunBuild(fs::FileSystem& fs, index::IndexStore& store, Logger& log,
                const BuildOptions& options, BuildSummary* summary);

// The summary as one JSON object (what `build --json` prints).
std::string SummaryToJson(const BuildSummary& s);

}  // namespace photoidx::pipeline

#endif  // PHOTOIDX_CORE_PIPELINE_BUILD_H_
