// HttpTestServer: a tiny HTTP/1.1 server on 127.0.0.1 (ephemeral port, one
// thread, one request per connection) that answers like the Hugging Face
// hub's `GET /<repo>/resolve/<revision>/<file>`, serving files from local
// folders with X-Repo-Commit and ETag headers. Per file it can answer with a
// 302 to a "CDN" path on another host name (localhost, as the hub sends LFS
// files to its CDN), leave out the ETag, cut the body short, or stall; it can
// require a bearer token, and it records every request. Test-only: shared by
// the download unit tests and the download e2e test.
// Thread safety: configure it before the requests it should affect; the
// accessors are safe while the server thread runs.
#ifndef PHOTOIDX_TESTS_HTTP_TEST_SERVER_H_
#define PHOTOIDX_TESTS_HTTP_TEST_SERVER_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace photoidx::test {

class HttpTestServer {
 public:
  struct Request {
    std::string path;           // as sent (still percent-encoded)
    std::string host;           // Host header
    std::string authorization;  // Authorization header, "" when absent
    std::string user_agent;
  };

  // How one file of a repository is answered.
  struct FileRule {
    bool redirect = false;     // 302 to http://localhost:<port>/cdn/<repo>/<file>
    std::string linked_etag;   // with redirect: X-Linked-Etag (an LFS file's SHA-256)
    bool no_etag = false;      // send no ETag (nor X-Linked-Etag)
    int64_t cut_after = -1;    // send this many body bytes, then close the connection
    int64_t stall_after = -1;  // send this many body bytes, then wait for the client to give up
  };

  HttpTestServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    sockaddr* sa = reinterpret_cast<sockaddr*>(&addr);
    if (fd_ < 0 || ::bind(fd_, sa, sizeof(addr)) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, sa, &len) != 0) {
      std::perror("HttpTestServer");
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }

  ~HttpTestServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }

  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  bool ok() const { return port_ != 0; }
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Serves the files of `dir` as `repo_id` at the revisions "main" and `commit`.
  void AddRepo(const std::string& repo_id, const std::string& commit, const std::string& dir) {
    std::lock_guard<std::mutex> lock(mu_);
    repos_[repo_id] = Repo{commit, dir, {}};
  }
  void SetRule(const std::string& repo_id, const std::string& file, const FileRule& rule) {
    std::lock_guard<std::mutex> lock(mu_);
    repos_[repo_id].rules[file] = rule;
  }
  // Answers 401 unless "Authorization: Bearer <token>" ("" = open).
  void RequireToken(const std::string& token) {
    std::lock_guard<std::mutex> lock(mu_);
    token_ = token;
  }
  // Leaves out X-Repo-Commit.
  void SendCommit(bool send) {
    std::lock_guard<std::mutex> lock(mu_);
    send_commit_ = send;
  }

  // Stand-in for the hub's git blob ids (the ETag of a file that is not
  // redirected): FNV-1a 64 of the content, in hex.
  static std::string Fingerprint(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }

  std::vector<Request> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t request_count() const { return requests().size(); }

 private:
  struct Repo {
    std::string commit;
    std::string dir;
    std::map<std::string, FileRule> rules;
  };
  struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    int64_t cut_after = -1;
    int64_t stall_after = -1;
  };

  static std::string ReadAll(const std::string& path, bool* found) {
    std::ifstream in(path, std::ios::binary);
    *found = in.good();
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  static std::string UrlDecode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size()) {
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }

  static Response Error(int status, const std::string& code) {
    Response r;
    r.status = status;
    r.headers = {{"X-Error-Code", code}, {"X-Error-Message", code + " (test server)"}};
    r.body = code;
    return r;
  }

  void Loop() {
    while (!stop_) {
      pollfd p = {fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv = {5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      Serve(c);
      ::close(c);
    }
  }

  static std::string Header(const std::string& head, const std::string& name) {
    size_t at = 0;
    while ((at = head.find("\r\n", at)) != std::string::npos) {
      at += 2;
      size_t colon = head.find(':', at);
      if (colon == std::string::npos) break;
      std::string key = head.substr(at, colon - at);
      for (char& ch : key) ch = char(std::tolower(static_cast<unsigned char>(ch)));
      if (key == name) {
        size_t end = head.find("\r\n", colon);
        size_t start = head.find_first_not_of(' ', colon + 1);
        return head.substr(start, end - start);
      }
    }
    return "";
  }

  void Serve(int c) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 65536) {
      ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) return;
      head.append(buf, size_t(n));
    }
    Request rq;
    const size_t sp1 = head.find(' '), sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return;
    rq.path = head.substr(sp1 + 1, sp2 - sp1 - 1);
    rq.host = Header(head, "host");
    rq.authorization = Header(head, "authorization");
    rq.user_agent = Header(head, "user-agent");
    Response r;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(rq);
      r = Answer(rq);
    }
    Send(c, r);
  }

  // REQUIRES: mu_ held.
  Response Answer(const Request& rq) {
    const bool cdn = rq.path.rfind("/cdn/", 0) == 0;
    for (const auto& [id, repo] : repos_) {
      const std::string prefix = cdn ? "/cdn/" + id + "/" : "/" + id + "/resolve/";
      if (rq.path.rfind(prefix, 0) != 0) continue;
      std::string rest = rq.path.substr(prefix.size());
      std::string revision = repo.commit;
      if (!cdn) {
        const size_t slash = rest.find('/');
        if (slash == std::string::npos) return Error(404, "EntryNotFound");
        revision = UrlDecode(rest.substr(0, slash));
        rest = rest.substr(slash + 1);
      }
      return AnswerFile(id, repo, revision, UrlDecode(rest), cdn, rq);
    }
    return Error(404, "RepoNotFound");
  }

  Response AnswerFile(const std::string& id, const Repo& repo, const std::string& revision,
                      const std::string& file, bool cdn, const Request& rq) {
    if (!cdn && !token_.empty() && rq.authorization != "Bearer " + token_) {
      return Error(401, "GatedRepo");
    }
    if (revision != "main" && revision != repo.commit) return Error(404, "RevisionNotFound");
    bool found = false;
    Response r;
    r.body = ReadAll(repo.dir + "/" + file, &found);
    if (!found || file.find("..") != std::string::npos) return Error(404, "EntryNotFound");
    auto it = repo.rules.find(file);
    const FileRule rule = it == repo.rules.end() ? FileRule{} : it->second;
    if (!cdn && send_commit_) r.headers.push_back({"X-Repo-Commit", repo.commit});
    if (!cdn && rule.redirect) {
      r.status = 302;
      r.headers.push_back({"Location", "http://localhost:" + std::to_string(port_) + "/cdn/" +
                                           id + "/" + file});
      if (!rule.no_etag) {
        r.headers.push_back({"X-Linked-Etag", "\"" + rule.linked_etag + "\""});
        r.headers.push_back({"ETag", "\"" + Fingerprint("pointer " + file) + "\""});
      }
      r.body.clear();
      return r;
    }
    if (cdn) r.headers.push_back({"ETag", "\"cdn-" + Fingerprint(r.body) + "\""});
    else if (!rule.no_etag) r.headers.push_back({"ETag", "\"" + Fingerprint(r.body) + "\""});
    r.cut_after = rule.cut_after;
    r.stall_after = rule.stall_after;
    return r;
  }

  static bool SendAll(int c, const char* data, size_t n) {
    while (n > 0) {
      ssize_t w = ::send(c, data, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      data += w;
      n -= size_t(w);
    }
    return true;
  }

  void Send(int c, const Response& r) {
    std::string head = "HTTP/1.1 " + std::to_string(r.status) + (r.status == 200 ? " OK" : " X") +
                       "\r\nContent-Length: " + std::to_string(r.body.size()) +
                       "\r\nConnection: close\r\n";
    for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
    head += "\r\n";
    if (!SendAll(c, head.data(), head.size())) return;
    size_t n = r.body.size();
    if (r.cut_after >= 0) n = std::min(n, size_t(r.cut_after));
    if (r.stall_after >= 0) n = std::min(n, size_t(r.stall_after));
    if (!SendAll(c, r.body.data(), n)) return;
    if (r.stall_after >= 0) {
      // Hold the connection open without sending until the client hangs up
      // (its low-speed limit) or 10 s pass; the test's timeout is shorter.
      pollfd p = {c, POLLIN, 0};
      const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!stop_ && std::chrono::steady_clock::now() < end) {
        if (::poll(&p, 1, 50) > 0 && ::recv(c, buf_, sizeof(buf_), 0) <= 0) break;
      }
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, Repo> repos_;
  std::string token_;
  bool send_commit_ = true;
  std::vector<Request> requests_;
  char buf_[4096];
};

}  // namespace photoidx::test

#endif  // PHOTOIDX_TESTS_HTTP_TEST_SERVER_H_
