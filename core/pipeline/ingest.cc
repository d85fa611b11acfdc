#include "core/pipeline/ingest.h"

#include <algorithm>
#include <cctype>

#include "core/hash/sha256.h"

namespace photoidx::pipeline {

bool ContentSet::CheckAndClaim(const std::string& sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  return !known_.insert(sha256).second;
}

void ContentSet::Unclaim(const std::string& sha256) {
  std::lock_guard<std::mutex> lock(mu_);
  known_.erase(sha256);
}

bool HasImageExtension(const std::string& path) {
  static const char* const kExt[] = {
      "jpg", "jpeg", "jpe", "jfif", "png", "heic", "heif", "hif", "avif", "dng", "cr2", "cr3",
      "crw", "nef", "nrw", "arw", "srf", "sr2", "raf", "orf", "rw2", "pef", "srw", "x3f",
      "3fr", "iiq", "erf", "mos", "mrw", "kdc", "dcr", "dcs", "raw", "gpr", "webp", "tif", "tiff"};
  size_t dot = path.rfind('.');
  size_t slash = path.rfind('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return false;
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return std::find_if(std::begin(kExt), std::end(kExt), [&](const char* e) { return ext == e; }) !=
         std::end(kExt);
}

IngestOutcome IngestFile(fs::FileSystem& fs, const WorkItem& item, ContentSet& contents,
                         int min_side) {
  IngestOutcome out;
  const std::string& path = item.file.path;
  auto bytes = fs.ReadFile(path);
  if (!bytes.ok()) {
    out.stage = "read";
    out.status = bytes.status();
    return out;
  }
  const image::Format format = image::SniffFormat(*bytes);
  // Content decides: a file without a known signature is skipped unless its
  // name says it is a photo (then the decoder gets a chance, e.g. headerless
  // camera RAW, and reports why it is not one).
  if (format == image::Format::kUnknown && !HasImageExtension(path)) {
    out.kind = IngestKind::kIgnored;
    return out;
  }
  out.sha256 = hash::Sha256Hex(*bytes);
  if (contents.CheckAndClaim(out.sha256)) {
    out.kind = IngestKind::kReused;
    return out;
  }
  image::DecodeOptions opts;
  opts.min_side = min_side;
  auto decoded = image::DecodeImage(path, *bytes, opts);
  if (!decoded.ok()) {
    contents.Unclaim(out.sha256);
    out.stage = "decode";
    out.status = decoded.status();
    return out;
  }
  out.kind = IngestKind::kDecoded;
  out.metadata = std::move(decoded->metadata);
  return out;
}

}  // namespace photoidx::pipeline
