#include "core/metrics/stage_stats.h"

#include <fmt/format.h>

namespace photoidx::metrics {

ScopedStage::ScopedStage(std::string name, StageStats* out, const Clock* clock, bool reset_peak)
    : out_(out), clock_(clock) {
  out_->name = std::move(name);
  if (reset_peak) ResetPeakRss();
  out_->memory_before = ReadProcessMemory();
  out_->accelerator_before = ReadAcceleratorMemory();
  start_us_ = clock_->NowMicros();
}

ScopedStage::~ScopedStage() { Finish(); }

void ScopedStage::Finish() {
  if (finished_) return;
  finished_ = true;
  out_->wall_seconds += double(clock_->NowMicros() - start_us_) / 1e6;
  out_->memory_after = ReadProcessMemory();
  out_->accelerator_after = ReadAcceleratorMemory();
}

std::string FormatBytes(int64_t bytes) {
  const double b = double(bytes);
  if (b >= 1024.0 * 1024 * 1024) return fmt::format("{:.2f} GiB", b / (1024.0 * 1024 * 1024));
  if (b >= 1024.0 * 1024) return fmt::format("{:.0f} MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return fmt::format("{:.0f} KiB", b / 1024.0);
  return fmt::format("{} B", bytes);
}

std::string FormatStageLine(const StageStats& s) {
  std::string line = fmt::format("{} items {:.3f} s {:.1f}/s", s.items, s.wall_seconds,
                                 s.items_per_second());
  if (s.failed > 0) line += fmt::format("  failed {}", s.failed);
  if (s.model_seconds > 0 || s.load_seconds > 0) {
    line += fmt::format("  load {:.2f} s model {:.2f} s decode wait {:.2f} s (cpu {:.2f} s)",
                        s.load_seconds, s.model_seconds, s.decode_wait_seconds,
                        s.decode_cpu_seconds);
  }
  line += fmt::format("  rss {} peak {}", FormatBytes(s.memory_after.rss_bytes),
                      FormatBytes(s.memory_after.peak_rss_bytes));
  if (s.accelerator_after.available) {
    line += fmt::format("  cuda alloc {} reserved {} peak {}",
                        FormatBytes(s.accelerator_after.allocated_bytes),
                        FormatBytes(s.accelerator_after.reserved_bytes),
                        FormatBytes(s.accelerator_after.peak_allocated_bytes));
  }
  return line;
}

}  // namespace photoidx::metrics
