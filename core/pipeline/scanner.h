// Scanner: walks the folders given to `build` and lists regular files.
//
// Skips hidden and system folders (dot-folders, @eaDir, .Trash-*, System
// Volume Information, lost+found, $RECYCLE.BIN, #recycle) and dot-files
// unless include_hidden; skips paths matching any --exclude glob (matched
// against the full path and against the base name, fnmatch without
// FNM_PATHNAME so '*' crosses '/'); never enters a folder twice (symlink
// loops), tracked by (dev, inode). Whether a file is an image is decided
// later, by its content.
#ifndef PHOTOIDX_CORE_PIPELINE_SCANNER_H_
#define PHOTOIDX_CORE_PIPELINE_SCANNER_H_

#include <string>
#include <utility>
#include <vector>

#include "core/base/status.h"
#include "core/fs/file_system.h"

namespace photoidx::pipeline {

struct ScanOptions {
  // Also enter dot-folders and system folders, and list dot-files.
  bool include_hidden = false;
  // Glob patterns (fnmatch) of paths to leave out.
  std::vector<std::string> excludes;
};

struct ScannedFile {
  std::string path;  // absolute
  fs::FileInfo info;
};

struct ScanError {
  std::string path;
  Status status;
};

struct ScanResult {
  std::vector<ScannedFile> files;  // sorted by path
  std::vector<ScanError> errors;   // unreadable folders; the scan goes on
};

// True for folder names skipped unless include_hidden.
bool IsHiddenOrSystemDir(const std::string& name);

// `roots` must be absolute folders. A root that cannot be listed is an error
// in `out->errors`, not a failed scan.
ScanResult Scan(fs::FileSystem& fs, const std::vector<std::string>& roots,
                const ScanOptions& options);

}  // namespace photoidx::pipeline

#endif  // PHOTOIDX_CORE_PIPELINE_SCANNER_H_
