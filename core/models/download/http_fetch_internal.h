// HttpClient: one libcurl easy handle doing plain GETs that follow redirects,
// handing the body of a 200 to a BodySink and the headers of every response
// of the redirect chain back to the caller. Internal to the download module:
// libcurl's headers stay in http_fetch.cc.
//
// The bearer token goes only to the host of the first URL: libcurl drops the
// Authorization header on a redirect to another host (CURLOPT_UNRESTRICTED_AUTH
// stays 0), which is what keeps HF_TOKEN away from the hub's CDN.
// Thread safety: one HttpClient per thread; separate clients are independent.
#ifndef PHOTOIDX_CORE_MODELS_DOWNLOAD_HTTP_FETCH_INTERNAL_H_
#define PHOTOIDX_CORE_MODELS_DOWNLOAD_HTTP_FETCH_INTERNAL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/status.h"

namespace photoidx::models::download::internal {

// The headers photoidx reads from one response (values trimmed).
struct ResponseHeaders {
  long status = 0;
  std::string etag;           // ETag
  std::string linked_etag;    // X-Linked-Etag (the LFS file's sha256 on the hub)
  std::string repo_commit;    // X-Repo-Commit
  std::string error_code;     // X-Error-Code ("GatedRepo", "EntryNotFound", ...)
  std::string error_message;  // X-Error-Message
  int64_t content_length = -1;
};

// Sees the headers of each response and receives the body of a final 200,
// on the thread running Fetch. An error Status from any call ends the
// transfer with that Status.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // After the headers of each response of the redirect chain (`chain` so
  // far; back() is the newest), before any redirect is followed. Set *skip
  // to end the transfer there without an error (the content is already on
  // disk, so neither the redirect nor the body is needed).
  virtual Status OnHeaders(const std::vector<ResponseHeaders>& chain, bool* skip) = 0;
  // Once, before the first byte of a final 200 (also for an empty body).
  virtual Status Open(const std::vector<ResponseHeaders>& chain) = 0;
  virtual Status Write(const char* data, size_t n) = 0;
};

struct FetchOptions {
  std::string token;       // sent as "Authorization: Bearer <token>" when set
  std::string user_agent;  // "photoidx/<version>"
  long connect_timeout_s = 30;
  // Abort when fewer than low_speed_bytes per second arrive for
  // low_speed_time_s seconds: a dead connection never hangs forever.
  long low_speed_bytes = 1;
  long low_speed_time_s = 60;
  const std::atomic<bool>* interrupted = nullptr;  // set -> the transfer stops
};

struct FetchResult {
  // OK when a response came back (any HTTP status) or the sink skipped it;
  // IOError for network failures (libcurl's text), a body cut short, or a
  // sink error (its own Status); Interrupted when options.interrupted was set.
  Status status;
  std::vector<ResponseHeaders> chain;  // every response; back() is the final one
  bool skipped = false;
  int64_t body_bytes = 0;  // bytes handed to the sink
};

class HttpClient {
 public:
  // Fails when libcurl cannot be initialised.
  static Status Create(std::unique_ptr<HttpClient>* out);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // GET `url`, following up to 10 redirects (http and https only).
  FetchResult Fetch(const std::string& url, const FetchOptions& options, BodySink* sink);

 private:
  explicit HttpClient(void* handle) : handle_(handle) {}
  void* handle_;  // CURL*
};

// Percent-encodes `s` for a URL path; '/' is kept when keep_slash.
std::string UrlEncode(const std::string& s, bool keep_slash);

}  // namespace photoidx::models::download::internal

#endif  // PHOTOIDX_CORE_MODELS_DOWNLOAD_HTTP_FETCH_INTERNAL_H_
