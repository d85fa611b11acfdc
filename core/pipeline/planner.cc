#include "core/pipeline/planner.h"

#include <unordered_set>

namespace photoidx::pipeline {
namespace {

bool UnderAnyRoot(const std::string& path, const std::vector<std::string>& roots) {
  for (const auto& root : roots) {
    if (root == "/") return true;
    if (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
        path[root.size()] == '/') {
      return true;
    }
  }
  return false;
}

}  // namespace

Plan MakePlan(const ScanResult& scan, const std::unordered_map<std::string, index::FileRow>& known,
              const std::vector<std::string>& roots, const PlanOptions& options) {
  Plan plan;
  plan.seen = int64_t(scan.files.size());
  std::unordered_set<std::string_view> seen;
  seen.reserve(scan.files.size());
  for (const auto& f : scan.files) {
    seen.insert(f.path);
    auto it = known.find(f.path);
    if (it == known.end()) {
      plan.work.push_back({f, true});
      continue;
    }
    const index::FileRow& row = it->second;
    const bool same = row.size == f.info.size && row.mtime_ns == f.info.mtime_ns;
    if (same && row.state == index::FileState::kPresent) {
      ++plan.unchanged;
      plan.present.push_back(f.path);
    } else if (same && row.state == index::FileState::kIgnored) {
      ++plan.unchanged;
    } else if (same && row.state == index::FileState::kFailed && !options.retry_failed) {
      ++plan.unchanged;
      ++plan.unchanged_failed;
    } else {
      plan.work.push_back({f, false});
    }
  }
  // Only files under the folders scanned now can be declared missing: a
  // build of /b must not mark /a's photos missing.
  for (const auto& [path, row] : known) {
    if (row.state == index::FileState::kMissing) continue;
    if (seen.count(path) == 0 && UnderAnyRoot(path, roots)) plan.missing.push_back(path);
  }
  return plan;
}

}  // namespace photoidx::pipeline
