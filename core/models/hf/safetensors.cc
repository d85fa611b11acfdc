// Safetensors reader: mmap the file, parse and validate the JSON header,
// build views into the data section.
//
// Validation mirrors the Rust reference implementation where it matters for
// safety (sizes, offsets, overlap) and is stricter than Python's torch loader
// in naming the offending tensor. Holes between tensors are tolerated (the
// Rust crate refuses them; nothing in photoidx depends on contiguity).
#include "core/models/hf/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <numeric>

#include <nlohmann/json.hpp>

namespace photoidx::models::hf {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; big-endian hosts need byte swapping");

constexpr uint64_t kMaxHeaderBytes = 100ull << 20;  // real headers are < 1 MB

using Json = nlohmann::json;

struct DTypeInfo {
  const char* name;
  DType dtype;
};
constexpr DTypeInfo kDTypes[] = {
    {"F32", DType::kF32}, {"F16", DType::kF16}, {"BF16", DType::kBF16}, {"I64", DType::kI64},
    {"I32", DType::kI32}, {"U8", DType::kU8},   {"BOOL", DType::kBool}, {"F64", DType::kF64},
};
// Valid in the format but not read by photoidx.
constexpr const char* kUnsupportedDTypes[] = {"I8",  "I16",     "U16",    "U32",
                                              "U64", "F8_E5M2", "F8_E4M3"};

Status TensorError(const std::string& file, const std::string& tensor, std::string_view what) {
  return Status::Corruption(file, "safetensors: tensor '" + tensor + "': " + std::string(what));
}

// Reads a non-negative integer that fits in int64 (nlohmann stores JSON
// integers as unsigned, signed or float depending on their spelling).
bool ReadNonNegative(const Json& j, uint64_t* out, bool* negative) {
  *negative = false;
  if (j.is_number_unsigned()) {
    *out = j.get<uint64_t>();
    return *out <= uint64_t(INT64_MAX);
  }
  if (j.is_number_integer()) {
    int64_t v = j.get<int64_t>();
    if (v < 0) {
      *negative = true;
      return false;
    }
    *out = uint64_t(v);
    return true;
  }
  return false;
}

Status ParseDType(const std::string& file, const std::string& name, const Json& j,
                  DType* out) {
  if (!j.is_string()) return TensorError(file, name, "dtype is not a string");
  const std::string& s = j.get_ref<const std::string&>();
  for (const DTypeInfo& d : kDTypes) {
    if (s == d.name) {
      *out = d.dtype;
      return Status::OK();
    }
  }
  for (const char* u : kUnsupportedDTypes) {
    if (s == u) {
      return Status::NotSupported(file, "safetensors: tensor '" + name + "': dtype " + s +
                                            " is not supported");
    }
  }
  return TensorError(file, name, "unknown dtype '" + s.substr(0, 32) + "'");
}

Status ParseShape(const std::string& file, const std::string& name, const Json& j,
                  std::vector<int64_t>* shape, uint64_t* numel) {
  if (!j.is_array()) return TensorError(file, name, "shape is not an array");
  if (j.size() > 64) return TensorError(file, name, "shape has more than 64 dimensions");
  *numel = 1;
  bool overflow = false;
  for (const Json& d : j) {
    uint64_t v = 0;
    bool negative = false;
    if (!ReadNonNegative(d, &v, &negative)) {
      return TensorError(file, name, negative ? "negative dimension in shape"
                                              : "shape entry is not a non-negative integer");
    }
    shape->push_back(int64_t(v));
    overflow = overflow || __builtin_mul_overflow(*numel, v, numel);
  }
  // A zero dimension makes numel 0 even after an overflowing partial product.
  if (std::find(shape->begin(), shape->end(), 0) != shape->end()) *numel = 0;
  else if (overflow) return TensorError(file, name, "shape element count overflows");
  return Status::OK();
}

Status ParseOffsets(const std::string& file, const std::string& name, const Json& j,
                    uint64_t data_size, uint64_t* begin, uint64_t* end) {
  bool negative = false;
  if (!j.is_array() || j.size() != 2 || !ReadNonNegative(j[0], begin, &negative) ||
      !ReadNonNegative(j[1], end, &negative)) {
    return TensorError(file, name, "data_offsets is not [begin, end] of non-negative integers");
  }
  if (*begin > *end) return TensorError(file, name, "data_offsets begin > end");
  if (*end > data_size) {
    return TensorError(file, name,
                       "data_offsets end " + std::to_string(*end) + " is past the data section (" +
                           std::to_string(data_size) + " bytes)");
  }
  return Status::OK();
}

struct Span {
  uint64_t begin, end;
  size_t tensor;
};

Status CheckNoOverlap(const std::string& file, const std::vector<TensorView>& tensors,
                      std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  const Span* prev = nullptr;  // the non-empty span reaching furthest so far
  for (const Span& s : spans) {
    if (s.begin == s.end) continue;
    if (prev != nullptr && s.begin < prev->end) {
      return TensorError(file, tensors[s.tensor].name,
                         "overlaps tensor '" + tensors[prev->tensor].name + "'");
    }
    if (prev == nullptr || s.end > prev->end) prev = &s;
  }
  return Status::OK();
}

Status ParseMetadata(const std::string& file, const Json& j,
                     std::map<std::string, std::string>* out) {
  if (!j.is_object()) return Status::Corruption(file, "safetensors: __metadata__ is not an object");
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) {
      return Status::Corruption(file, "safetensors: __metadata__ value '" + k + "' is not a string");
    }
    (*out)[k] = v.get<std::string>();
  }
  return Status::OK();
}

// Closes a file descriptor on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

const char* DTypeName(DType dtype) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF64:
    case DType::kI64:
      return 8;
    case DType::kF32:
    case DType::kI32:
      return 4;
    case DType::kF16:
    case DType::kBF16:
      return 2;
    case DType::kU8:
    case DType::kBool:
      return 1;
  }
  return 1;
}

int64_t TensorView::numel() const {
  // A zero dimension first: the other dimensions may then be huge (validated
  // files only bound the product).
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<>());
}

SafeTensors::~SafeTensors() {
  if (map_ != nullptr) ::munmap(map_, size_);
}

Result<std::shared_ptr<SafeTensors>> SafeTensors::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string why = std::string("safetensors: cannot open: ") + std::strerror(errno);
    return errno == ENOENT ? Status::NotFound(path, why) : Status::IOError(path, why);
  }
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return Status::IOError(path, "safetensors: fstat failed");
  if (!S_ISREG(st.st_mode)) return Status::IOError(path, "safetensors: not a regular file");
  std::shared_ptr<SafeTensors> st_ptr(new SafeTensors());
  st_ptr->path_ = path;
  st_ptr->size_ = size_t(st.st_size);
  if (st_ptr->size_ >= 8) {
    void* m = ::mmap(nullptr, st_ptr->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      return Status::IOError(path, std::string("safetensors: mmap failed: ") + std::strerror(errno));
    }
    st_ptr->map_ = m;
    st_ptr->base_ = static_cast<const uint8_t*>(m);
  }
  PHOTOIDX_RETURN_IF_ERROR(st_ptr->Parse());
  return st_ptr;
}

Result<std::shared_ptr<SafeTensors>> SafeTensors::FromBuffer(std::vector<uint8_t> bytes,
                                                             std::string name) {
  std::shared_ptr<SafeTensors> st(new SafeTensors());
  st->path_ = std::move(name);
  st->buffer_ = std::move(bytes);
  st->base_ = st->buffer_.data();
  st->size_ = st->buffer_.size();
  PHOTOIDX_RETURN_IF_ERROR(st->Parse());
  return st;
}

Status SafeTensors::Parse() {
  if (size_ < 8) {
    return Status::Corruption(path_, "safetensors: file is " + std::to_string(size_) +
                                         " bytes, shorter than the 8-byte header length");
  }
  uint64_t header_len = 0;
  std::memcpy(&header_len, base_, 8);
  if (header_len > kMaxHeaderBytes) {
    return Status::Corruption(path_, "safetensors: header length " + std::to_string(header_len) +
                                         " is implausible (> 100 MB)");
  }
  if (header_len > size_ - 8) {
    return Status::Corruption(path_, "safetensors: header length " + std::to_string(header_len) +
                                         " is past the end of the file (" +
                                         std::to_string(size_) + " bytes)");
  }
  const char* h = reinterpret_cast<const char*>(base_ + 8);
  Json header = Json::parse(h, h + header_len, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) return Status::Corruption(path_, "safetensors: header is not valid JSON");
  if (!header.is_object()) return Status::Corruption(path_, "safetensors: header is not a JSON object");

  const uint8_t* data = base_ + 8 + header_len;
  const uint64_t data_size = size_ - 8 - header_len;
  std::vector<Span> spans;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      PHOTOIDX_RETURN_IF_ERROR(ParseMetadata(path_, entry, &metadata_));
      continue;
    }
    if (!entry.is_object()) return TensorError(path_, name, "entry is not an object");
    for (const char* key : {"dtype", "shape", "data_offsets"}) {
      if (!entry.contains(key)) return TensorError(path_, name, std::string("missing ") + key);
    }
    TensorView t;
    t.name = name;
    uint64_t numel = 0, begin = 0, end = 0;
    PHOTOIDX_RETURN_IF_ERROR(ParseDType(path_, name, entry["dtype"], &t.dtype));
    PHOTOIDX_RETURN_IF_ERROR(ParseShape(path_, name, entry["shape"], &t.shape, &numel));
    PHOTOIDX_RETURN_IF_ERROR(ParseOffsets(path_, name, entry["data_offsets"], data_size, &begin, &end));
    uint64_t nbytes = 0;
    if (__builtin_mul_overflow(numel, uint64_t(DTypeSize(t.dtype)), &nbytes)) {
      return TensorError(path_, name, "shape x dtype size overflows");
    }
    if (nbytes != end - begin) {
      return TensorError(path_, name,
                         "data_offsets span " + std::to_string(end - begin) +
                             " bytes but shape x dtype size is " + std::to_string(nbytes));
    }
    t.data = data + begin;
    t.nbytes = size_t(nbytes);
    spans.push_back({begin, end, tensors_.size()});
    tensors_.push_back(std::move(t));
  }
  PHOTOIDX_RETURN_IF_ERROR(CheckNoOverlap(path_, tensors_, std::move(spans)));
  // nlohmann's default object is a std::map: items() came sorted by name.
  for (size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
  return Status::OK();
}

const TensorView* SafeTensors::Find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

float HalfToFloat(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // Inf / NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal half: normalise into a float32 normal.
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    bits = sign | (uint32_t(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

float BFloat16ToFloat(uint16_t bits) { return std::bit_cast<float>(uint32_t(bits) << 16); }

Status CopyToFloat32(const TensorView& t, float* out) {
  const size_t n = size_t(t.numel());
  switch (t.dtype) {
    case DType::kF32:
      if (n != 0) std::memcpy(out, t.data, n * 4);
      return Status::OK();
    case DType::kF16:
    case DType::kBF16: {
      const bool half = t.dtype == DType::kF16;
      for (size_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, t.data + 2 * i, 2);
        out[i] = half ? HalfToFloat(v) : BFloat16ToFloat(v);
      }
      return Status::OK();
    }
    case DType::kF64:
      for (size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, t.data + 8 * i, 8);
        out[i] = float(v);
      }
      return Status::OK();
    default:
      return Status::InvalidArgument(t.name, std::string("cannot convert dtype ") +
                                                 DTypeName(t.dtype) + " to float32");
  }
}

}  // namespace photoidx::models::hf
