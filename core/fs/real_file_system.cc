#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/fs/file_system.h"

namespace photoidx::fs {
namespace {

Status ErrnoStatus(const std::string& path, int err) {
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(path, std::strerror(err));
  return Status::IOError(path, std::strerror(err));
}

EntryType TypeOf(mode_t mode) {
  if (S_ISREG(mode)) return EntryType::kFile;
  if (S_ISDIR(mode)) return EntryType::kDir;
  return EntryType::kOther;
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::vector<DirEntry>> RealFileSystem::ListDir(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) return ErrnoStatus(dir, errno);
  std::vector<DirEntry> out;
  const int dfd = ::dirfd(d.get());
  while (dirent* e = ::readdir(d.get())) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    DirEntry entry{e->d_name, EntryType::kOther};
    if (e->d_type == DT_REG) {
      entry.type = EntryType::kFile;
    } else if (e->d_type == DT_DIR) {
      entry.type = EntryType::kDir;
    } else if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) {
      // Resolve links (and file systems without d_type) with one fstatat.
      struct stat st;
      if (::fstatat(dfd, e->d_name, &st, 0) == 0) entry.type = TypeOf(st.st_mode);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Result<FileInfo> RealFileSystem::Stat(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(path, errno);
  FileInfo info;
  info.type = TypeOf(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  info.dev = st.st_dev;
  info.ino = st.st_ino;
  return info;
}

Result<std::vector<uint8_t>> RealFileSystem::ReadFile(const std::string& path) {
  FdCloser f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return ErrnoStatus(path, errno);
  struct stat st;
  if (::fstat(f.fd, &st) != 0) return ErrnoStatus(path, errno);
  if (!S_ISREG(st.st_mode)) return Status::IOError(path, "not a regular file");
  std::vector<uint8_t> buf(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (true) {
    if (done == buf.size()) buf.resize(buf.size() + 65536);  // file grew: keep reading
    ssize_t n = ::read(f.fd, buf.data() + done, buf.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, errno);
    }
    if (n == 0) break;
    done += size_t(n);
  }
  buf.resize(done);
  return buf;
}

Result<std::vector<uint8_t>> RealFileSystem::ReadHead(const std::string& path, size_t n) {
  FdCloser f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return ErrnoStatus(path, errno);
  std::vector<uint8_t> buf(n);
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(f.fd, buf.data() + done, n - done);
    if (r < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, errno);
    }
    if (r == 0) break;
    done += size_t(r);
  }
  buf.resize(done);
  return buf;
}

}  // namespace photoidx::fs
