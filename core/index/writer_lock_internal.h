// WriterLock: the cross-process "one writer at a time" lock of an index.
//
// An exclusive flock() on a sibling file "<index>.lock". Why not SQLite's own
// locking: SQLite holds its write lock only for one transaction, while a
// build must own the index for the whole run (it plans from the files table,
// then writes many batches; a second build interleaving batches would redo
// work and race on MarkMissing). flock() locks belong to the open file
// description and are dropped by the kernel when the process dies (SIGKILL
// included), so a crash never leaves a stale lock; the lock file itself is
// left in place on purpose (unlinking it would race with a waiter).
// Internal to core/index. Thread safety: one owner.
#ifndef PHOTOIDX_CORE_INDEX_WRITER_LOCK_INTERNAL_H_
#define PHOTOIDX_CORE_INDEX_WRITER_LOCK_INTERNAL_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "core/base/result.h"

namespace photoidx::index::internal {

class WriterLock {
 public:
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

  // Takes the lock on `lock_path` (created if absent). wait=false: Busy when
  // it is held. wait=true: polls every 50 ms until it is free, calling
  // `on_wait` once first; Interrupted when `*interrupt` becomes true.
  // IOError (naming the path) when the lock file cannot be created.
  static Result<std::unique_ptr<WriterLock>> Acquire(const std::string& lock_path, bool wait,
                                                     const std::atomic<bool>* interrupt,
                                                     const std::function<void()>& on_wait);

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace photoidx::index::internal

#endif  // PHOTOIDX_CORE_INDEX_WRITER_LOCK_INTERNAL_H_
