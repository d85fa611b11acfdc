#include "core/metrics/clock.h"

#include <chrono>

namespace photoidx::metrics {
namespace {

class SteadyClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
  }
  int64_t UnixSeconds() const override {
    using namespace std::chrono;
    return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  }
};

}  // namespace

const Clock* RealClock() {
  static const SteadyClock clock;
  return &clock;
}

}  // namespace photoidx::metrics
