// MemFileSystem: an in-memory FileSystem for tests (ninja's
// VirtualFileSystem). Files are added with AddFile; folders appear
// implicitly. FailReads() makes reads of one path fail (leveldb's ErrorEnv),
// to test unreadable or vanishing files. Not thread-safe.
#ifndef PHOTOIDX_CORE_FS_MEM_FILE_SYSTEM_H_
#define PHOTOIDX_CORE_FS_MEM_FILE_SYSTEM_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/fs/file_system.h"

namespace photoidx::fs {

class MemFileSystem final : public FileSystem {
 public:
  // Adds or replaces an absolute path. mtime_ns defaults to a counter so
  // that every write looks like a modification.
  void AddFile(const std::string& path, std::vector<uint8_t> content, int64_t mtime_ns = -1);
  void AddFile(const std::string& path, const std::string& content, int64_t mtime_ns = -1);
  void RemoveFile(const std::string& path);
  void RenameFile(const std::string& from, const std::string& to);
  void FailReads(const std::string& path) { failing_.insert(path); }

  // Number of ReadFile/ReadHead calls so far (tests assert "opened nothing").
  int reads() const { return reads_; }

  Result<std::vector<DirEntry>> ListDir(const std::string& dir) override;
  Result<FileInfo> Stat(const std::string& path) override;
  Result<std::vector<uint8_t>> ReadFile(const std::string& path) override;
  Result<std::vector<uint8_t>> ReadHead(const std::string& path, size_t n) override;

 private:
  struct File {
    std::vector<uint8_t> content;
    int64_t mtime_ns;
    uint64_t ino;
  };
  bool IsDir(const std::string& path) const;

  std::map<std::string, File> files_;
  std::set<std::string> failing_;
  int64_t clock_ = 1'000'000'000;
  uint64_t next_ino_ = 1;
  int reads_ = 0;
};

}  // namespace photoidx::fs

#endif  // PHOTOIDX_CORE_FS_MEM_FILE_SYSTEM_H_
