// libcurl adapter: easy handle, header parsing, body streaming to a sink.
#include "core/models/download/http_fetch_internal.h"

#include <curl/curl.h>

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <string_view>

namespace photoidx::models::download::internal {
namespace {

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool NameIs(std::string_view name, std::string_view want) {
  if (name.size() != want.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(name[i])) != want[i]) return false;
  }
  return true;
}

// State shared by the callbacks of one transfer.
struct Transfer {
  const FetchOptions* options = nullptr;
  BodySink* sink = nullptr;
  FetchResult* result = nullptr;
  bool opened = false;
  Status sink_status;
};

void ParseHeaderLine(std::string_view line, std::vector<ResponseHeaders>* chain) {
  line = TrimView(line);
  if (line.substr(0, 5) == "HTTP/") {  // a new response of the redirect chain
    ResponseHeaders r;
    size_t sp = line.find(' ');
    if (sp != std::string_view::npos) {
      r.status = std::strtol(std::string(line.substr(sp + 1)).c_str(), nullptr, 10);
    }
    chain->push_back(std::move(r));
    return;
  }
  size_t colon = line.find(':');
  if (chain->empty() || colon == std::string_view::npos) return;
  ResponseHeaders& r = chain->back();
  const std::string_view name = line.substr(0, colon);
  const std::string value(TrimView(line.substr(colon + 1)));
  if (NameIs(name, "etag")) r.etag = value;
  else if (NameIs(name, "x-linked-etag")) r.linked_etag = value;
  else if (NameIs(name, "x-repo-commit")) r.repo_commit = value;
  else if (NameIs(name, "x-error-code")) r.error_code = value;
  else if (NameIs(name, "x-error-message")) r.error_message = value;
  else if (NameIs(name, "content-length")) r.content_length = std::atoll(value.c_str());
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  std::vector<ResponseHeaders>& chain = t->result->chain;
  if (!TrimView(line).empty() || chain.empty()) {
    ParseHeaderLine(line, &chain);
    return line.size();
  }
  // The blank line after one response's headers: before curl follows it.
  bool skip = false;
  t->sink_status = t->sink->OnHeaders(chain, &skip);
  t->result->skipped = skip;
  return t->sink_status.ok() && !skip ? line.size() : 0;  // 0 stops the transfer
}

bool FinalIsOk(const Transfer& t) {
  return !t.result->chain.empty() && t.result->chain.back().status == 200;
}

// Opens the sink once; false stops the transfer.
bool OpenSink(Transfer* t) {
  t->opened = true;
  t->sink_status = t->sink->Open(t->result->chain);
  return t->sink_status.ok();
}

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (!FinalIsOk(*t)) return n;  // an error page: only the status matters
  if (!t->opened && !OpenSink(t)) return 0;
  if (!t->sink_status.ok()) return 0;
  t->sink_status = t->sink->Write(data, n);
  if (!t->sink_status.ok()) return 0;
  t->result->body_bytes += static_cast<int64_t>(n);
  return n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  const std::atomic<bool>* stop = t->options->interrupted;
  return stop != nullptr && stop->load() ? 1 : 0;
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// Sets every option of one GET; the handle was reset before.
void SetOptions(CURL* h, const std::string& url, const FetchOptions& o, Transfer* t, char* errbuf,
                curl_slist* headers) {
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85: the _STR forms replace the deprecated bitmasks
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(h, CURLOPT_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, long(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(h, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_s);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o.low_speed_bytes);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o.low_speed_time_s);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM (threads)
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, t);
}

// The Status of a finished transfer (result->chain is filled).
Status Outcome(CURLcode rc, const char* errbuf, Transfer* t) {
  FetchResult* r = t->result;
  if (!t->sink_status.ok()) return t->sink_status;
  if (r->skipped) return Status::OK();
  if (rc == CURLE_ABORTED_BY_CALLBACK) return Status::Interrupted("download interrupted");
  if (rc == CURLE_PARTIAL_FILE) {
    const int64_t want = r->chain.empty() ? -1 : r->chain.back().content_length;
    return Status::IOError("the connection closed after " + std::to_string(r->body_bytes) +
                           " of " + std::to_string(want) + " bytes");
  }
  if (rc != CURLE_OK) {
    return Status::IOError(*errbuf != '\0' ? std::string(errbuf) : curl_easy_strerror(rc));
  }
  if (!FinalIsOk(*t)) return Status::OK();  // the caller reads the status code
  if (!t->opened && !OpenSink(t)) return t->sink_status;  // an empty body: no write came
  const int64_t want = r->chain.back().content_length;
  if (want >= 0 && r->body_bytes != want) {
    return Status::IOError("got " + std::to_string(r->body_bytes) + " of " +
                           std::to_string(want) + " bytes");
  }
  return Status::OK();
}

}  // namespace

Status HttpClient::Create(std::unique_ptr<HttpClient>* out) {
  // curl_global_init is not thread-safe before 7.84: once per process.
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return Status::IOError("libcurl",
                           std::string("cannot initialise: ") + curl_easy_strerror(init));
  }
  CURL* h = curl_easy_init();
  if (h == nullptr) return Status::IOError("libcurl", "curl_easy_init failed");
  out->reset(new HttpClient(h));
  return Status::OK();
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(handle_)); }

FetchResult HttpClient::Fetch(const std::string& url, const FetchOptions& options,
                              BodySink* sink) {
  FetchResult result;
  Transfer t;
  t.options = &options;
  t.sink = sink;
  t.result = &result;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  if (!options.token.empty()) {
    const std::string auth = "Authorization: Bearer " + options.token;
    headers.reset(curl_slist_append(nullptr, auth.c_str()));
    if (!headers) {
      result.status = Status::OutOfMemory("libcurl", "curl_slist_append failed");
      return result;
    }
  }
  char errbuf[CURL_ERROR_SIZE] = {};
  CURL* h = static_cast<CURL*>(handle_);
  curl_easy_reset(h);  // keeps the connection cache: the next file reuses the connection
  SetOptions(h, url, options, &t, errbuf, headers.get());
  const CURLcode rc = curl_easy_perform(h);
  result.status = Outcome(rc, errbuf, &t);
  return result;
}

std::string UrlEncode(const std::string& s, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool plain = std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
    if (plain || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace photoidx::models::download::internal
