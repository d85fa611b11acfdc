// A one-line progress bar on stderr, drawn only when stderr is a terminal
// and at most ten times a second; cleared when done. Pipes and cron logs
// never see it.
#ifndef PHOTOIDX_CLI_PROGRESS_H_
#define PHOTOIDX_CLI_PROGRESS_H_

#include <cstdint>
#include <string>

namespace photoidx::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { Clear(); }
  void Update(const char* stage, int64_t done, int64_t total);
  void Clear();

 private:
  bool enabled_;
  bool drawn_ = false;
  int64_t last_us_ = 0;
};

}  // namespace photoidx::cli

#endif  // PHOTOIDX_CLI_PROGRESS_H_
