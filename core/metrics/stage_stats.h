// Per-stage accounting: items, bytes, wall time, memory before/after/peak.
// ScopedStage is an RAII accumulator (ninja's ScopedMetric): construct it at
// the start of a stage, Add() items as they finish, and it records the wall
// time and memory when it goes out of scope (or at Finish()).
#ifndef PHOTOIDX_CORE_METRICS_STAGE_STATS_H_
#define PHOTOIDX_CORE_METRICS_STAGE_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/metrics/clock.h"
#include "core/metrics/memory.h"

namespace photoidx::metrics {

struct StageStats {
  std::string name;
  int64_t items = 0;
  int64_t bytes = 0;
  int64_t failed = 0;
  double wall_seconds = 0;
  // Where a model stage's wall time goes (0 for other stages): loading the
  // model, running it, and waiting for decoded images (the next batch is
  // decoded while the model runs, so only the wait costs wall time).
  // decode_cpu_seconds sums every image decode over all worker threads.
  double load_seconds = 0;
  double model_seconds = 0;
  double decode_wait_seconds = 0;
  double decode_cpu_seconds = 0;
  ProcessMemory memory_before;
  ProcessMemory memory_after;  // peak_rss_bytes = this stage's peak
  AcceleratorMemory accelerator_before;
  AcceleratorMemory accelerator_after;

  double items_per_second() const { return wall_seconds > 0 ? items / wall_seconds : 0; }
};

class ScopedStage {
 public:
  // `out` receives the stats when the stage finishes; it must outlive this.
  // reset_peak: start this stage's peak RSS from the current RSS.
  ScopedStage(std::string name, StageStats* out, const Clock* clock = RealClock(),
              bool reset_peak = false);
  ~ScopedStage();
  ScopedStage(const ScopedStage&) = delete;
  ScopedStage& operator=(const ScopedStage&) = delete;

  void Add(int64_t items, int64_t bytes = 0) {
    out_->items += items;
    out_->bytes += bytes;
  }
  void AddFailed(int64_t n = 1) { out_->failed += n; }
  StageStats& stats() { return *out_; }
  // Records the end now (idempotent).
  void Finish();

 private:
  StageStats* out_;
  const Clock* clock_;
  int64_t start_us_;
  bool finished_ = false;
};

// "1234 items 52.1 s 23.7/s rss 1.2 GiB peak 1.5 GiB" (whisper's
// print_timings style; the logger puts the stage name in front).
std::string FormatStageLine(const StageStats& s);

// "1.5 GiB", "312 MiB", "12 KiB".
std::string FormatBytes(int64_t bytes);

}  // namespace photoidx::metrics

#endif  // PHOTOIDX_CORE_METRICS_STAGE_STATS_H_
