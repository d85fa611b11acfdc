// SafeTensors: a validated, read-only view of a Hugging Face .safetensors file.
//
// Format (https://github.com/huggingface/safetensors): 8 bytes little-endian
// u64 N, then N bytes of JSON header {"name": {"dtype": "F32", "shape": [..],
// "data_offsets": [begin, end]}, ..., "__metadata__": {"k": "v"}}, then the
// data section; offsets are relative to the start of the data section.
//
// Open() maps the file (mmap, read-only) and checks the whole header before
// returning: every error is a Corruption naming the file and, where there is
// one, the tensor. Nothing is read from the data section at open time, so
// opening a 600 MB checkpoint costs one header parse.
//
// Ownership: the SafeTensors object owns the mapping (or the buffer given to
// FromBuffer). TensorView::data points into it: keep the shared_ptr alive as
// long as any view or pointer derived from one is in use.
// Alignment: data is aligned only as the writer aligned it (torch/HF writers
// pad the header to 8 bytes, so 8-byte alignment is usual but NOT promised);
// read elements with memcpy or CopyToFloat32().
// Thread safety: immutable after construction; any number of threads may read.
#ifndef PHOTOIDX_CORE_MODELS_HF_SAFETENSORS_H_
#define PHOTOIDX_CORE_MODELS_HF_SAFETENSORS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/status.h"

namespace photoidx::models::hf {

// The element types photoidx reads. Other valid safetensors dtypes (I8, I16,
// U16, U32, U64, F8_*) are refused with NotSupported at open time.
enum class DType { kF32, kF16, kBF16, kI64, kI32, kU8, kBool, kF64 };

// The safetensors spelling: "F32", "F16", "BF16", "I64", "I32", "U8", "BOOL", "F64".
const char* DTypeName(DType dtype);
// Bytes per element (BOOL is 1 byte).
size_t DTypeSize(DType dtype);

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // [] for a scalar (numel 1)
  const uint8_t* data = nullptr;  // points into the owning SafeTensors; see alignment note
  size_t nbytes = 0;              // == numel() * DTypeSize(dtype), checked at open

  int64_t numel() const;
};

class SafeTensors {
 public:
  // Maps and validates `path`. NotFound when the file does not exist,
  // IOError when it cannot be read, Corruption for any format violation.
  static Result<std::shared_ptr<SafeTensors>> Open(const std::string& path);
  // Same validation over an in-memory copy; `name` stands in for the path in
  // messages (tests and fuzzing).
  static Result<std::shared_ptr<SafeTensors>> FromBuffer(std::vector<uint8_t> bytes,
                                                         std::string name);

  ~SafeTensors();
  SafeTensors(const SafeTensors&) = delete;
  SafeTensors& operator=(const SafeTensors&) = delete;

  // nullptr when absent.
  const TensorView* Find(std::string_view name) const;
  // All tensors, sorted by name.
  const std::vector<TensorView>& tensors() const { return tensors_; }
  // The "__metadata__" entries ({"format": "pt"} for torch checkpoints).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // The path given to Open(), or the name given to FromBuffer().
  const std::string& path() const { return path_; }
  // Size of the whole file in bytes.
  size_t file_size() const { return size_; }

 private:
  SafeTensors() = default;
  Status Parse();

  std::string path_;
  std::vector<uint8_t> buffer_;  // FromBuffer only
  void* map_ = nullptr;          // Open only (munmap in the destructor)
  const uint8_t* base_ = nullptr;
  size_t size_ = 0;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

// Converts all of one tensor's elements to float32 (F32, F16, BF16, F64;
// F64 is rounded to nearest). `out` must hold t.numel() floats.
// InvalidArgument for integer and bool dtypes.
Status CopyToFloat32(const TensorView& t, float* out);

// IEEE half / bfloat16 bit patterns to float (exact; NaN and Inf kept).
float HalfToFloat(uint16_t bits);
float BFloat16ToFloat(uint16_t bits);

}  // namespace photoidx::models::hf

#endif  // PHOTOIDX_CORE_MODELS_HF_SAFETENSORS_H_
