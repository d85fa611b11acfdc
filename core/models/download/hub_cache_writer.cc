// Blobs, snapshot links and refs of the huggingface_hub cache (see
// hub_cache_writer_internal.h). Files are written under a temporary name and
// renamed, so a reader never sees a half-written blob, link or ref.
#include "core/models/download/hub_cache_writer_internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <span>

namespace photoidx::models::download::internal {
namespace {

namespace fs = std::filesystem;

bool IsHex(const std::string& s, size_t size) {
  return s.size() == size &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

Status Errno(const fs::path& path, const char* what) {
  return Status::IOError(path.string(), std::string(what) + ": " + std::strerror(errno));
}

// A name no other process or thread uses: for temporary files.
std::string UniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

}  // namespace

bool IsCommitHash(const std::string& s) { return IsHex(s, 40); }

std::string BlobNameFromEtag(const std::string& etag) {
  std::string s = etag;
  if (s.rfind("W/", 0) == 0) s = s.substr(2);
  s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
  if (s.empty() || s.size() > 200 || s.front() == '.') return "";
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return "";
  }
  return s;
}

bool IsSafeRelativePath(const std::string& s) {
  if (s.empty() || s.size() > 1000 || s.front() == '/') return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == '\\') return false;
  }
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find('/', start);
    if (end == std::string::npos) end = s.size();
    const std::string part = s.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

BlobWriter::BlobWriter(fs::path blobs_dir, std::string file, bool need_commit,
                       const ProgressFn* progress)
    : blobs_dir_(std::move(blobs_dir)),
      file_(std::move(file)),
      need_commit_(need_commit),
      progress_(progress) {}

BlobWriter::~BlobWriter() { Discard(); }

void BlobWriter::Discard() {
  if (fd_ < 0) return;
  ::unlink(temp_.c_str());  // still locked by us: nobody else writes it
  ::close(fd_);
  fd_ = -1;
}


// The hub's own response is the first that names the commit; the CDN a file
// is redirected to sends only its own ETag. Without X-Repo-Commit anywhere
// the final 200 is used.
Status BlobWriter::OnHeaders(const std::vector<ResponseHeaders>& chain, bool* skip) {
  const ResponseHeaders& r = chain.back();
  if (identified_ || r.status >= 400 || (r.repo_commit.empty() && r.status != 200)) {
    return Status::OK();  // an error, or a redirect that is not the hub's answer
  }
  PHOTOIDX_RETURN_IF_ERROR(Identify(r));
  std::error_code ec;
  if (!etag_.empty() && fs::is_regular_file(blobs_dir_ / etag_, ec)) {
    skipped_ = *skip = true;  // content-addressed: the cached blob is this file
  }
  return Status::OK();
}

Status BlobWriter::Identify(const ResponseHeaders& hub) {
  identified_ = true;
  commit_ = hub.repo_commit;
  if (!commit_.empty() && BlobNameFromEtag(commit_) != commit_) {
    return Status::Corruption("the hub sent an invalid X-Repo-Commit: " + commit_);
  }
  if (commit_.empty() && need_commit_) {
    return Status::NotSupported("the server sent no X-Repo-Commit header, so the commit is "
                                "unknown: give a 40-hex commit as the revision");
  }
  etag_ = BlobNameFromEtag(hub.linked_etag.empty() ? hub.etag : hub.linked_etag);
  if (IsHex(etag_, 64)) expect_sha_ = etag_;
  return Status::OK();
}

Status BlobWriter::Open(const std::vector<ResponseHeaders>& chain) {
  if (!identified_) PHOTOIDX_RETURN_IF_ERROR(Identify(chain.back()));
  total_ = chain.back().content_length;
  temp_ = blobs_dir_ / ((etag_.empty() ? "download-" + UniqueSuffix() : etag_) + ".incomplete");
  // No O_TRUNC before the lock: the file may be another process's download.
  fd_ = ::open(temp_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno(temp_, "cannot create");
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK) {
      return Status::Busy("another process is downloading it into " + temp_.string() +
                          "; try again when it has finished");
    }
    errno = err;
    return Errno(temp_, "cannot lock");
  }
  if (::ftruncate(fd_, 0) != 0) return Errno(temp_, "cannot truncate");
  return Status::OK();
}

Status BlobWriter::Write(const char* data, size_t n) {
  sha_.Update(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data), n));
  size_t off = 0;
  while (off < n) {
    ssize_t w = ::write(fd_, data + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Errno(temp_, "cannot write");
    off += size_t(w);
  }
  done_ += int64_t(n);
  // done == total is reported by Finish alone, once the blob is in place.
  if (*progress_ && done_ != total_) (*progress_)(file_, done_, total_);
  return Status::OK();
}

Result<std::string> BlobWriter::Finish() {
  if (skipped_) {
    std::error_code ec;
    const int64_t size = int64_t(fs::file_size(blobs_dir_ / etag_, ec));
    if (*progress_) (*progress_)(file_, ec ? 0 : size, ec ? 0 : size);
    return etag_;
  }
  if (fd_ < 0) return Status::IOError("no body was received");
  if (::fdatasync(fd_) != 0) return Errno(temp_, "cannot sync");
  const std::string sha = sha_.FinishHex();
  if (!expect_sha_.empty() && sha != expect_sha_) {
    return Status::Corruption("the content's SHA-256 " + sha + " differs from the hub's " +
                              expect_sha_);
  }
  const std::string name = etag_.empty() ? sha : etag_;
  const fs::path blob = blobs_dir_ / name;
  if (::rename(temp_.c_str(), blob.c_str()) != 0) return Errno(blob, "cannot rename into place");
  ::close(fd_);  // releases the lock
  fd_ = -1;
  if (*progress_) (*progress_)(file_, done_, done_);
  return name;
}

Status LinkSnapshotFile(const fs::path& repo_dir, const std::string& commit,
                        const std::string& file, const std::string& blob) {
  const fs::path link = repo_dir / "snapshots" / commit / file;
  std::string target;
  const auto depth = std::count(file.begin(), file.end(), '/');
  for (long i = 0; i < 2 + depth; ++i) target += "../";
  target += "blobs/" + blob;
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  if (ec) return Status::IOError(link.parent_path().string(), "cannot create: " + ec.message());
  const fs::path temp = link.string() + ".link-" + UniqueSuffix();
  fs::create_symlink(target, temp, ec);
  if (ec) return Status::IOError(temp.string(), "cannot create a symlink: " + ec.message());
  fs::rename(temp, link, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(temp, ec);
    return Status::IOError(link.string(), "cannot create a symlink: " + why);
  }
  return Status::OK();
}

Status WriteRef(const fs::path& repo_dir, const std::string& revision, const std::string& commit) {
  const fs::path ref = repo_dir / "refs" / revision;
  std::error_code ec;
  fs::create_directories(ref.parent_path(), ec);
  if (ec) return Status::IOError(ref.parent_path().string(), "cannot create: " + ec.message());
  const fs::path temp = ref.string() + ".tmp-" + UniqueSuffix();
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << commit;
    if (!out.flush()) return Status::IOError(temp.string(), "cannot write the ref");
  }
  fs::rename(temp, ref, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(temp, ec);
    return Status::IOError(ref.string(), "cannot write the ref: " + why);
  }
  return Status::OK();
}

}  // namespace photoidx::models::download::internal
