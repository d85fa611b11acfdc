// CurlDownloader: fetches model files from a Hugging Face hub (or a mirror
// at HF_ENDPOINT) with libcurl into the cache layout huggingface_hub writes,
// so that ResolveModelDir, transformers and huggingface-cli all find them:
//
//   <hub_cache>/models--<org>--<name>/blobs/<etag>            the content
//   <hub_cache>/models--<org>--<name>/snapshots/<commit>/<file> -> ../../blobs/<etag>
//   <hub_cache>/models--<org>--<name>/refs/<revision>          holds <commit>
//
// Each file is GET {endpoint}/{repo_id}/resolve/{revision}/{file}; after the
// first file the commit the hub named (X-Repo-Commit) is requested instead of
// the branch, so every file comes from one commit. <etag> is X-Linked-Etag,
// else ETag (quotes stripped), else the SHA-256 of the content; a 64-hex
// X-Linked-Etag (an LFS file's SHA-256) is checked against the content. A file
// is written to blobs/<etag>.incomplete (locked, so two processes never write
// one blob) and renamed into place only when every byte arrived: a cut
// connection or a full disk never leaves a file that looks complete. A blob
// already in the cache is not downloaded again.
//
// HubOptions gives the cache folder, endpoint and token; the token is sent as
// a bearer token to the endpoint's host only (never to a redirect's other host,
// such as the hub's CDN) and never appears in messages. Proxies follow
// libcurl's http_proxy/https_proxy/no_proxy variables.
//
// Errors name the repository and the file: 401/403 (gated or private: set
// HF_TOKEN; the hub also answers 401 for a repository that does not exist),
// 404 (no such repository or file; an optional file is skipped instead), other
// HTTP statuses, network failures (libcurl's text), disk errors.
//
// Thread safety: one Download at a time per CurlDownloader; the progress
// callback runs on the calling thread.
#ifndef PHOTOIDX_CORE_MODELS_DOWNLOAD_CURL_DOWNLOADER_H_
#define PHOTOIDX_CORE_MODELS_DOWNLOAD_CURL_DOWNLOADER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/models/hf/hub.h"

namespace photoidx::models::download {

// Called as bytes arrive (for every chunk libcurl hands over: throttling is
// the callee's business); `total` is -1 when the server sent no length.
// Exactly one call per file has done == total: the last, once the file is in
// the cache (also for a blob that was cached already).
using ProgressFn = std::function<void(const std::string& file, int64_t done, int64_t total)>;

struct CurlDownloaderOptions {
  // "photoidx/<version>" when empty.
  std::string user_agent;
  // Seconds to wait for a TCP/TLS connection.
  long connect_timeout_s = 30;
  // A transfer slower than low_speed_bytes/s for low_speed_time_s seconds is
  // abandoned with an error instead of hanging.
  long low_speed_bytes = 1;
  long low_speed_time_s = 60;
  // Null = silent. core never prints: the CLI draws its bar from this.
  ProgressFn progress;
  // Not owned; when it becomes true the transfer stops with Interrupted.
  const std::atomic<bool>* interrupted = nullptr;
};

class CurlDownloader : public hf::Downloader {
 public:
  explicit CurlDownloader(CurlDownloaderOptions options = {});

  // hf::Downloader: fetches `files` (a 404 is an error) then `optional_files`
  // (a 404 is skipped) of `repo_id` at `revision` into options.hub_cache;
  // returns the snapshot folder. options.offline is the caller's business
  // (ResolveModelDir never calls a downloader offline).
  Result<std::string> Download(const std::string& repo_id, const std::string& revision,
                               const std::vector<std::string>& files,
                               const std::vector<std::string>& optional_files,
                               const hf::HubOptions& options) override;

 private:
  CurlDownloaderOptions options_;
};

}  // namespace photoidx::models::download

#endif  // PHOTOIDX_CORE_MODELS_DOWNLOAD_CURL_DOWNLOADER_H_
