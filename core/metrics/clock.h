// Injected time, so tests are deterministic (leveldb Env::NowMicros).
#ifndef PHOTOIDX_CORE_METRICS_CLOCK_H_
#define PHOTOIDX_CORE_METRICS_CLOCK_H_

#include <cstdint>

namespace photoidx::metrics {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic microseconds, for durations.
  virtual int64_t NowMicros() const = 0;
  // Wall-clock seconds since the epoch, for records.
  virtual int64_t UnixSeconds() const = 0;
};

// The process-wide real clock (never null, never freed).
const Clock* RealClock();

}  // namespace photoidx::metrics

#endif  // PHOTOIDX_CORE_METRICS_CLOCK_H_
