#include "core/fs/mem_file_system.h"

#include <functional>

namespace photoidx::fs {

void MemFileSystem::AddFile(const std::string& path, std::vector<uint8_t> content,
                            int64_t mtime_ns) {
  clock_ += 1000;
  files_[path] = File{std::move(content), mtime_ns >= 0 ? mtime_ns : clock_, next_ino_++};
}

void MemFileSystem::AddFile(const std::string& path, const std::string& content,
                            int64_t mtime_ns) {
  AddFile(path, std::vector<uint8_t>(content.begin(), content.end()), mtime_ns);
}

void MemFileSystem::RemoveFile(const std::string& path) { files_.erase(path); }

void MemFileSystem::RenameFile(const std::string& from, const std::string& to) {
  auto it = files_.find(from);
  if (it == files_.end()) return;
  File f = std::move(it->second);  // a rename keeps content and mtime
  files_.erase(it);
  files_[to] = std::move(f);
}

bool MemFileSystem::IsDir(const std::string& path) const {
  std::string prefix = path == "/" ? "/" : path + "/";
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

Result<std::vector<DirEntry>> MemFileSystem::ListDir(const std::string& dir) {
  if (!IsDir(dir)) return Status::NotFound(dir, "no such directory");
  std::string prefix = dir == "/" ? "/" : dir + "/";
  std::vector<DirEntry> out;
  std::string last_dir;
  for (auto it = files_.lower_bound(prefix);
       it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    std::string rest = it->first.substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      out.push_back({rest, EntryType::kFile});
    } else if (rest.substr(0, slash) != last_dir) {
      last_dir = rest.substr(0, slash);
      out.push_back({last_dir, EntryType::kDir});
    }
  }
  return out;
}

Result<FileInfo> MemFileSystem::Stat(const std::string& path) {
  auto it = files_.find(path);
  if (it != files_.end()) {
    FileInfo info;
    info.type = EntryType::kFile;
    info.size = it->second.content.size();
    info.mtime_ns = it->second.mtime_ns;
    info.ino = it->second.ino;
    return info;
  }
  if (IsDir(path)) {
    FileInfo info;
    info.type = EntryType::kDir;
    info.ino = std::hash<std::string>()(path);
    return info;
  }
  return Status::NotFound(path, "no such file");
}

Result<std::vector<uint8_t>> MemFileSystem::ReadFile(const std::string& path) {
  ++reads_;
  if (failing_.count(path)) return Status::IOError(path, "injected read error");
  auto it = files_.find(path);
  if (it == files_.end()) return Status::NotFound(path, "no such file");
  return it->second.content;
}

Result<std::vector<uint8_t>> MemFileSystem::ReadHead(const std::string& path, size_t n) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::vector<uint8_t> all, ReadFile(path));
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace photoidx::fs
