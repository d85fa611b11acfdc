#include "core/index/writer_lock_internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace photoidx::index::internal {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);

// 1: locked, 0: held by someone else, -1: error (errno set).
int TryLock(int fd) {
  while (true) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return 1;
    if (errno == EWOULDBLOCK) return 0;
    if (errno != EINTR) return -1;
  }
}

}  // namespace

WriterLock::~WriterLock() {
  // close() drops the flock; an explicit unlock documents the intent.
  flock(fd_, LOCK_UN);
  close(fd_);
}

Result<std::unique_ptr<WriterLock>> WriterLock::Acquire(const std::string& lock_path, bool wait,
                                                        const std::atomic<bool>* interrupt,
                                                        const std::function<void()>& on_wait) {
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Status::IOError(lock_path, std::string("cannot open lock file: ") + strerror(errno));
  }
  std::unique_ptr<WriterLock> lock(new WriterLock(fd));
  bool told = false;
  while (true) {
    int r = TryLock(fd);
    if (r == 1) return lock;
    if (r < 0) {
      return Status::IOError(lock_path, std::string("flock: ") + strerror(errno));
    }
    if (!wait) {
      return Status::Busy(lock_path, "another photoidx build or gc holds the index");
    }
    if (!told && on_wait) on_wait();
    told = true;
    if (interrupt != nullptr && interrupt->load()) {
      return Status::Interrupted(lock_path, "interrupted while waiting for the index lock");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace photoidx::index::internal
