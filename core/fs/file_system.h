// FileSystem: the only way core code touches the disk, abstract so the
// scanner and planner can run on an in-memory tree in tests (ninja's
// DiskInterface, leveldb's Env).
//
// Paths are raw byte strings as the OS gives them (not necessarily UTF-8).
// Thread safety: RealFileSystem is stateless and safe to share; the Mem
// implementation is not (tests only).
#ifndef PHOTOIDX_CORE_FS_FILE_SYSTEM_H_
#define PHOTOIDX_CORE_FS_FILE_SYSTEM_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/result.h"

namespace photoidx::fs {

enum class EntryType { kFile, kDir, kOther };

struct FileInfo {
  EntryType type = EntryType::kOther;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t dev = 0;  // (dev, ino) identify a directory for loop detection
  uint64_t ino = 0;
};

struct DirEntry {
  std::string name;
  // Symlinks are resolved: a link to a folder is kDir, a dangling link kOther.
  EntryType type = EntryType::kOther;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Entries of a folder (no "." or ".."), in no particular order.
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& dir) = 0;
  // Follows symlinks. NotFound when absent.
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  // The whole file. IOError/NotFound naming the path.
  virtual Result<std::vector<uint8_t>> ReadFile(const std::string& path) = 0;
  // At most `n` bytes from the start of the file.
  virtual Result<std::vector<uint8_t>> ReadHead(const std::string& path, size_t n) = 0;
};

// The real disk (POSIX).
class RealFileSystem final : public FileSystem {
 public:
  Result<std::vector<DirEntry>> ListDir(const std::string& dir) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::vector<uint8_t>> ReadFile(const std::string& path) override;
  Result<std::vector<uint8_t>> ReadHead(const std::string& path, size_t n) override;
};

// Absolute, lexically normalised path ("/a/./b/../c" -> "/a/c"); relative
// paths are taken from the current directory. Does not resolve symlinks.
std::string AbsolutePath(const std::string& path);

// Joins "a" and "b" with exactly one '/'.
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace photoidx::fs

#endif  // PHOTOIDX_CORE_FS_FILE_SYSTEM_H_
