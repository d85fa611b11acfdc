// ParallelFor: runs fn(i) for i in [0, n) on up to `threads` threads (the
// caller's thread included) and returns when all are done. Items are handed
// out one at a time, so uneven items (a 50 MB RAW next to a thumbnail)
// balance. fn must be thread-safe; it must not throw.
#ifndef PHOTOIDX_CORE_BASE_PARALLEL_H_
#define PHOTOIDX_CORE_BASE_PARALLEL_H_

#include <sched.h>

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

// Puts the calling thread in the SCHED_IDLE class: it runs only on cycles
// nothing else wants. For work that overlaps a model (decoding the next
// batches): on a CPU build the model's OpenMP threads stall at every
// barrier when a decode thread preempts one of them, and a decode that only
// fills idle time costs the model nothing; on a GPU build the cores are
// idle anyway. Best effort (no error when the kernel refuses).
inline void RunThisThreadWhenIdle() {
#ifdef SCHED_IDLE
  sched_param param{};
  param.sched_priority = 0;
  sched_setscheduler(0, SCHED_IDLE, &param);
#endif
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
