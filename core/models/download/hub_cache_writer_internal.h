// Writing the huggingface_hub cache layout: one blob per download (BlobWriter,
// a BodySink), the snapshot symlink and the ref. Internal to the download
// module; the layout is described in curl_downloader.h.
// Thread safety: a BlobWriter is used by one thread; the free functions are
// reentrant, and each file they create appears atomically (rename).
#ifndef PHOTOIDX_CORE_MODELS_DOWNLOAD_HUB_CACHE_WRITER_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_DOWNLOAD_HUB_CACHE_WRITER_INTERNAL_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/hash/sha256.h"
#include "core/models/download/curl_downloader.h"
#include "core/models/download/http_fetch_internal.h"

namespace photoidx::models::download::internal {

// A 40-hex git commit id.
bool IsCommitHash(const std::string& s);

// An ETag header value as a blob file name: weak prefix and quotes removed;
// "" when the rest is not a safe file name (letters, digits, '-', '_', '.').
std::string BlobNameFromEtag(const std::string& etag);

// A relative path inside a repository or a revision name: no empty, "." or
// ".." parts, no leading '/', no '\\' or control characters.
bool IsSafeRelativePath(const std::string& s);

// Receives one file's body into blobs_dir/<etag>.incomplete and renames it to
// blobs_dir/<etag> in Finish(). The blob name comes from the first response
// that carries X-Repo-Commit (the hub's, not the CDN's), else from the final
// 200: X-Linked-Etag, else ETag, else the SHA-256 of the content. A blob
// already in blobs_dir is kept and the transfer skipped as soon as the hub's
// headers name it (before its redirect). Until Finish() succeeds the
// temporary file is removed on destruction, so no partial blob is ever left
// under a final name.
class BlobWriter : public BodySink {
 public:
  // `need_commit`: Open fails unless the hub names the commit (X-Repo-Commit).
  BlobWriter(std::filesystem::path blobs_dir, std::string file, bool need_commit,
             const ProgressFn* progress);
  ~BlobWriter() override;
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  Status OnHeaders(const std::vector<ResponseHeaders>& chain, bool* skip) override;
  Status Open(const std::vector<ResponseHeaders>& chain) override;
  Status Write(const char* data, size_t n) override;

  // After a successful fetch: syncs, checks an LFS SHA-256, renames into
  // place (or keeps the cached blob when the fetch was skipped); returns the
  // blob's file name.
  Result<std::string> Finish();
  // X-Repo-Commit of the hub's response ("" when absent); valid after Finish.
  const std::string& commit() const { return commit_; }

 private:
  Status Identify(const ResponseHeaders& hub);
  void Discard();

  std::filesystem::path blobs_dir_;
  std::string file_;
  bool need_commit_;
  const ProgressFn* progress_;
  std::string commit_;
  std::string etag_;        // blob name from the headers, "" = use the SHA-256
  std::string expect_sha_;  // 64-hex X-Linked-Etag to check the content against
  std::filesystem::path temp_;
  int fd_ = -1;
  bool identified_ = false;  // commit_/etag_ taken from the hub's headers
  bool skipped_ = false;
  int64_t done_ = 0;
  int64_t total_ = -1;
  hash::Sha256 sha_;
};

// snapshots/<commit>/<file> -> ../../blobs/<blob> (relative, as
// huggingface_hub makes it), replacing any link already there.
Status LinkSnapshotFile(const std::filesystem::path& repo_dir, const std::string& commit,
                        const std::string& file, const std::string& blob);

// refs/<revision> holds <commit> (no newline, as huggingface_hub writes it).
Status WriteRef(const std::filesystem::path& repo_dir, const std::string& revision,
                const std::string& commit);

}  // namespace photoidx::models::download::internal

#endif  // PHOTOIDX_CORE_MODELS_DOWNLOAD_HUB_CACHE_WRITER_INTERNAL_H_
