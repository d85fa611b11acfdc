#include "core/index/vector_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace photoidx::index {
namespace {

constexpr char kMagic[8] = {'P', 'H', 'X', 'V', 'E', 'C', '1', '\n'};
constexpr size_t kHeaderBytes = 128;
constexpr size_t kHashBytes = 32;
constexpr size_t kModelBytes = 64;

struct Header {
  char magic[8];
  uint32_t dim;
  uint32_t reserved;
  uint64_t rows;
  int64_t version;
  char model[kModelBytes];
};
static_assert(sizeof(Header) <= kHeaderBytes);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HexToRaw(std::string_view hex, uint8_t* out) {
  if (hex.size() != 2 * kHashBytes) return false;
  for (size_t i = 0; i < kHashBytes; ++i) {
    const int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = uint8_t(hi << 4 | lo);
  }
  return true;
}

Status IoError(const std::string& path, const char* what) {
  return Status::IOError(path, std::string(what) + ": " + std::strerror(errno));
}

// Streams the matrix to `f` after a placeholder header, collects the raw
// hashes, then appends them and fills the header in. Returns the rows.
Result<uint64_t> WriteBody(IndexStore& store, std::string_view model, FILE* f,
                           const std::string& path) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  std::memcpy(h.model, model.data(), model.size());
  PHOTOIDX_ASSIGN_OR_RETURN(h.version, store.VectorsVersion(model));
  std::vector<char> header(kHeaderBytes, 0);
  if (std::fwrite(header.data(), 1, header.size(), f) != header.size()) {
    return IoError(path, "writing");
  }
  std::vector<uint8_t> hashes;
  Status bad;
  bool write_failed = false;
  PHOTOIDX_RETURN_IF_ERROR(store.ScanStoredEmbeddings(
      model, [&](std::string_view sha256, std::span<const float> v) {
        if (!bad.ok() || write_failed) return;
        h.dim = uint32_t(v.size());
        const size_t at = hashes.size();
        hashes.resize(at + kHashBytes);
        if (!HexToRaw(sha256, hashes.data() + at)) {
          bad = Status::Corruption(path, "embedding of a malformed sha256 in the index");
        }
        write_failed |= std::fwrite(v.data(), sizeof(float), v.size(), f) != v.size();
      }));
  PHOTOIDX_RETURN_IF_ERROR(bad);
  h.rows = hashes.size() / kHashBytes;
  // (No hashes, no write: fwrite of an empty vector's null data is UB.)
  if (write_failed ||
      (!hashes.empty() && std::fwrite(hashes.data(), 1, hashes.size(), f) != hashes.size())) {
    return IoError(path, "writing");
  }
  std::memcpy(header.data(), &h, sizeof h);
  if (std::fseek(f, 0, SEEK_SET) != 0 ||
      std::fwrite(header.data(), 1, header.size(), f) != header.size() || std::fflush(f) != 0) {
    return IoError(path, "writing");
  }
  // The rename below must never publish a file whose data the kernel has
  // not written yet (a crash would leave a valid header over garbage).
  if (fsync(fileno(f)) != 0) return IoError(path, "fsync");
  return h.rows;
}

}  // namespace

VectorFile::~VectorFile() {
  if (map_ != nullptr) munmap(map_, map_size_);
}

Result<std::unique_ptr<VectorFile>> VectorFile::Open(const std::string& path, bool prefetch) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path, "no vector file");
    return IoError(path, "opening");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || size_t(st.st_size) < kHeaderBytes) {
    ::close(fd);
    return Status::Corruption(path, "shorter than its header");
  }
  std::unique_ptr<VectorFile> file(new VectorFile());
  file->map_size_ = size_t(st.st_size);
  file->map_ = mmap(nullptr, file->map_size_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (file->map_ == MAP_FAILED) {
    file->map_ = nullptr;
    return IoError(path, "mmap");
  }
  Header h;
  std::memcpy(&h, file->map_, sizeof h);
  const size_t rows = h.rows, dim = h.dim;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0 || dim == 0 || dim > 65536 ||
      rows > (file->map_size_ - kHeaderBytes) / (dim * sizeof(float) + kHashBytes) ||
      kHeaderBytes + rows * (dim * sizeof(float) + kHashBytes) != file->map_size_) {
    return Status::Corruption(path, "not a photoidx vector file, or truncated");
  }
  const char* base = static_cast<const char*>(file->map_);
  file->model_.assign(h.model, strnlen(h.model, kModelBytes));
  file->version_ = h.version;
  file->dim_ = int(dim);
  file->rows_ = rows;
  file->data_ = reinterpret_cast<const float*>(base + kHeaderBytes);
  file->hashes_ = reinterpret_cast<const uint8_t*>(base + kHeaderBytes + rows * dim * 4);
  if (prefetch) madvise(file->map_, file->map_size_, MADV_WILLNEED);
  return file;
}

std::string VectorFile::sha256(size_t i) const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex(2 * kHashBytes, '0');
  const uint8_t* raw = hashes_ + i * kHashBytes;
  for (size_t k = 0; k < kHashBytes; ++k) {
    hex[2 * k] = kDigits[raw[k] >> 4];
    hex[2 * k + 1] = kDigits[raw[k] & 15];
  }
  return hex;
}

std::string VectorFilePath(const std::string& index_path, std::string_view model) {
  return index_path + ".vectors-" + std::string(model.substr(0, 16));
}

Status WriteVectorFile(IndexStore& store, std::string_view model, const std::string& path) {
  if (model.size() > kModelBytes) {
    return Status::InvalidArgument(path, "model fingerprint longer than 64 characters");
  }
  const std::string tmp = path + ".tmp-" + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return IoError(tmp, "creating");
  Result<uint64_t> rows = WriteBody(store, model, f, tmp);
  Status st = rows.status();
  if (std::fclose(f) != 0 && st.ok()) st = IoError(tmp, "closing");
  if (st.ok() && *rows == 0) {
    // No embeddings: no file (search finds nothing either way).
    std::remove(tmp.c_str());
    std::remove(path.c_str());
    return Status::OK();
  }
  if (st.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) st = IoError(path, "renaming");
  if (!st.ok()) std::remove(tmp.c_str());
  return st;
}

Result<bool> RefreshVectorFile(IndexStore& store, std::string_view model, const std::string& path) {
  if (OpenCurrentVectorFile(store, model, path, /*prefetch=*/false) != nullptr) return false;
  PHOTOIDX_RETURN_IF_ERROR(WriteVectorFile(store, model, path));
  return true;
}

std::unique_ptr<VectorFile> OpenCurrentVectorFile(IndexStore& store, std::string_view model,
                                                  const std::string& path, bool prefetch) {
  Result<int64_t> version = store.VectorsVersion(model);
  if (!version.ok()) return nullptr;
  Result<std::unique_ptr<VectorFile>> file = VectorFile::Open(path, prefetch);
  if (!file.ok()) return nullptr;
  if ((*file)->model() != model || (*file)->version() != *version) return nullptr;
  return std::move(*file);
}

}  // namespace photoidx::index
