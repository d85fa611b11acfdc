#include "core/pipeline/scanner.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

namespace photoidx::pipeline {
namespace {

bool Excluded(const std::string& path, const std::string& name, const ScanOptions& options) {
  for (const auto& glob : options.excludes) {
    if (::fnmatch(glob.c_str(), path.c_str(), 0) == 0) return true;
    if (::fnmatch(glob.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

class Walker {
 public:
  Walker(fs::FileSystem& fs, const ScanOptions& options, ScanResult* out)
      : fs_(fs), options_(options), out_(out) {}

  void Walk(const std::string& dir) {
    auto info = fs_.Stat(dir);
    if (!info.ok()) {
      out_->errors.push_back({dir, info.status()});
      return;
    }
    // (dev, ino) of every folder entered: a symlink back up the tree, or two
    // links to one folder, is entered once.
    if (!visited_.insert({info->dev, info->ino}).second) return;
    auto entries = fs_.ListDir(dir);
    if (!entries.ok()) {
      out_->errors.push_back({dir, entries.status()});
      return;
    }
    for (const auto& e : *entries) {
      const std::string path = fs::JoinPath(dir, e.name);
      if (Excluded(path, e.name, options_)) continue;
      if (e.type == fs::EntryType::kDir) {
        if (!options_.include_hidden && IsHiddenOrSystemDir(e.name)) continue;
        Walk(path);
      } else if (e.type == fs::EntryType::kFile) {
        if (!options_.include_hidden && e.name[0] == '.') continue;
        AddFile(path);
      }
    }
  }

 private:
  void AddFile(const std::string& path) {
    auto info = fs_.Stat(path);
    if (!info.ok()) {
      // Vanished between listing and stat: nothing to index, nothing to record.
      if (!info.status().IsNotFound()) out_->errors.push_back({path, info.status()});
      return;
    }
    if (info->type != fs::EntryType::kFile) return;
    out_->files.push_back({path, *info});
  }

  fs::FileSystem& fs_;
  const ScanOptions& options_;
  ScanResult* out_;
  std::set<std::pair<uint64_t, uint64_t>> visited_;
};

}  // namespace

bool IsHiddenOrSystemDir(const std::string& name) {
  if (name.empty() || name[0] == '.') return true;  // .git, .Trash-1000, .thumbnails
  static const char* const kSystem[] = {"@eaDir", "System Volume Information", "lost+found",
                                        "$RECYCLE.BIN", "#recycle", "#snapshot"};
  for (const char* s : kSystem) {
    if (name == s) return true;
  }
  return false;
}

ScanResult Scan(fs::FileSystem& fs, const std::vector<std::string>& roots,
                const ScanOptions& options) {
  ScanResult out;
  Walker walker(fs, options, &out);
  for (const auto& root : roots) walker.Walk(root);
  std::sort(out.files.begin(), out.files.end(),
            [](const ScannedFile& a, const ScannedFile& b) { return a.path < b.path; });
  // Overlapping roots ("/p" and "/p/sub") list files twice.
  out.files.erase(std::unique(out.files.begin(), out.files.end(),
                              [](const ScannedFile& a, const ScannedFile& b) {
                                return a.path == b.path;
                              }),
                  out.files.end());
  return out;
}

}  // namespace photoidx::pipeline
