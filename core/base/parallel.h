// ParallelFor: runs fn(i) for i in [0, n) on up to `threads` threads (the
// caller's thread included) and returns when all are done. Items are handed
// out one at a time, so uneven items (a 50 MB RAW next to a thumbnail)
// balance. fn must be thread-safe; it must not throw.
#ifndef PHOTOIDX_CORE_BASE_PARALLEL_H_
#define PHOTOIDX_CORE_BASE_PARALLEL_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace photoidx {

inline int DefaultThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : int(n);
}

inline void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& fn) {
  if (threads <= 0) threads = DefaultThreads();
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  std::vector<std::thread> pool;
  const size_t extra = std::min(size_t(threads), n) > 0 ? std::min(size_t(threads), n) - 1 : 0;
  pool.reserve(extra);
  for (size_t t = 0; t < extra; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace photoidx

#endif  // PHOTOIDX_CORE_BASE_PARALLEL_H_
