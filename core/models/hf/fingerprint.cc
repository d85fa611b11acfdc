#include "core/models/hf/fingerprint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace photoidx::models::hf {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr char kDomain[] = "photoidx-model-fingerprint-v1\n";
constexpr int kCacheVersion = 1;

struct FileId {
  std::string real_path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

Result<FileId> Identify(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    std::string why = std::strerror(errno);
    return errno == ENOENT ? Status::NotFound(path, "fingerprint: no such file")
                           : Status::IOError(path, "fingerprint: stat failed: " + why);
  }
  if (!S_ISREG(st.st_mode)) return Status::IOError(path, "fingerprint: not a regular file");
  std::error_code ec;
  fs::path real = fs::canonical(path, ec);
  if (ec) return Status::IOError(path, "fingerprint: cannot resolve path: " + ec.message());
  return FileId{real.string(), uint64_t(st.st_size),
                int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

struct FdCloser {
  int fd;
  ~FdCloser() { ::close(fd); }
};

// Feeds the length prefix and the whole file to `ctx`. The file must still
// have the size it had when identified (else it changed under us: IOError).
Status HashFile(EVP_MD_CTX* ctx, const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path, std::string("fingerprint: ") + std::strerror(errno));
  FdCloser closer{fd};
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = uint8_t(size >> (8 * i));
  EVP_DigestUpdate(ctx, len, 8);
  std::vector<uint8_t> buf(1 << 20);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(path, std::string("fingerprint: ") + std::strerror(errno));
    if (n == 0) break;
    EVP_DigestUpdate(ctx, buf.data(), size_t(n));
    total += uint64_t(n);
  }
  if (total != size) return Status::IOError(path, "fingerprint: file changed while hashing");
  return Status::OK();
}

Result<std::string> ComputeDigest(const FileId& config, const FileId& weights) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Status::IOError("fingerprint", "OpenSSL SHA-256 unavailable");
  }
  EVP_DigestUpdate(ctx.get(), kDomain, sizeof(kDomain) - 1);
  PHOTOIDX_RETURN_IF_ERROR(HashFile(ctx.get(), config.real_path, config.size));
  PHOTOIDX_RETURN_IF_ERROR(HashFile(ctx.get(), weights.real_path, weights.size));
  std::array<uint8_t, EVP_MAX_MD_SIZE> md;
  unsigned int md_len = 0;
  EVP_DigestFinal_ex(ctx.get(), md.data(), &md_len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned i = 0; i < md_len; ++i) {
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 15];
  }
  return hex;
}

std::string CacheKey(const FileId& config, const FileId& weights) {
  return config.real_path + "\n" + weights.real_path;
}

Json Describe(const FileId& f) {
  return Json{{"size", f.size}, {"mtime_ns", f.mtime_ns}};
}

// The cache file's "entries" object; empty when absent or unusable.
Json LoadCache(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Json::object();
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || j.value("version", 0) != kCacheVersion || !j.contains("entries") ||
      !j["entries"].is_object()) {
    return Json::object();
  }
  return j["entries"];
}

// Best effort: a cache that cannot be written only costs a re-hash next time.
void StoreCache(const std::string& path, const Json& entries) {
  std::error_code ec;
  fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << Json{{"version", kCacheVersion}, {"entries", entries}}.dump(1) << "\n";
    if (!out) {
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

std::mutex& CacheMutex() {
  static std::mutex m;
  return m;
}

}  // namespace

Result<std::string> ModelFingerprint(const std::string& model_dir,
                                     const FingerprintOptions& options) {
  PHOTOIDX_ASSIGN_OR_RETURN(FileId config, Identify(model_dir + "/config.json"));
  PHOTOIDX_ASSIGN_OR_RETURN(FileId weights, Identify(model_dir + "/model.safetensors"));
  if (options.cache_path.empty()) return ComputeDigest(config, weights);

  const std::string key = CacheKey(config, weights);
  {
    std::lock_guard<std::mutex> lock(CacheMutex());
    Json entries = LoadCache(options.cache_path);
    auto it = entries.find(key);
    if (it != entries.end() && it->is_object() && it->value("config", Json()) == Describe(config) &&
        it->value("weights", Json()) == Describe(weights) && it->contains("sha256") &&
        (*it)["sha256"].is_string() && (*it)["sha256"].get<std::string>().size() == 64) {
      return (*it)["sha256"].get<std::string>();
    }
  }
  // Hash outside the lock: it may take a second and other models may be asked for.
  PHOTOIDX_ASSIGN_OR_RETURN(std::string digest, ComputeDigest(config, weights));
  std::lock_guard<std::mutex> lock(CacheMutex());
  Json entries = LoadCache(options.cache_path);  // re-read: another process may have added some
  entries[key] = Json{{"config", Describe(config)},
                      {"weights", Describe(weights)},
                      {"sha256", digest}};
  StoreCache(options.cache_path, entries);
  return digest;
}

}  // namespace photoidx::models::hf
