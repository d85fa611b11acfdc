#include "cli/progress.h"

#include <chrono>
#include <cstdio>

namespace photoidx::cli {

void ProgressBar::Update(const char* stage, int64_t done, int64_t total) {
  if (!enabled_ || total <= 0) return;
  using namespace std::chrono;
  const int64_t now = duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
  if (done < total && now - last_us_ < 100000) return;
  last_us_ = now;
  const int width = 30;
  const int filled = int(width * done / total);
  std::string bar(size_t(filled), '#');
  bar.append(size_t(width - filled), '.');
  std::fprintf(stderr, "\r%-8s [%s] %lld/%lld", stage, bar.c_str(), (long long)done,
               (long long)total);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace photoidx::cli
