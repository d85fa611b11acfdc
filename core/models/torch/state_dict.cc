#include "core/models/torch/state_dict.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "core/models/hf/weights_check.h"
#include "core/models/torch/torch_error.h"

namespace photoidx::models::torchutil {

at::ScalarType ToScalarType(hf::DType dtype) {
  switch (dtype) {
    case hf::DType::kF32:
      return at::kFloat;
    case hf::DType::kF16:
      return at::kHalf;
    case hf::DType::kBF16:
      return at::kBFloat16;
    case hf::DType::kI64:
      return at::kLong;
    case hf::DType::kI32:
      return at::kInt;
    case hf::DType::kU8:
      return at::kByte;
    case hf::DType::kBool:
      return at::kBool;
    case hf::DType::kF64:
      return at::kDouble;
  }
  return at::kFloat;
}

Result<at::Tensor> ToTensor(const hf::TensorView& view, at::ScalarType dtype,
                            const at::Device& device) {
  at::Tensor out;
  Status st = CatchTorch("loading tensor '" + view.name + "'", [&] {
    at::ScalarType src_type = ToScalarType(view.dtype);
    auto cpu = at::TensorOptions().dtype(src_type).device(at::kCPU);
    size_t elem = hf::DTypeSize(view.dtype);
    at::Tensor src;
    if (reinterpret_cast<uintptr_t>(view.data) % elem == 0) {
      // from_blob does not take ownership; the copy below detaches from it.
      src = at::from_blob(const_cast<uint8_t*>(view.data), view.shape, cpu);
    } else {
      // Kernels may assume element alignment: copy the bytes out first.
      src = at::empty(view.shape, cpu);
      if (view.nbytes) std::memcpy(src.data_ptr(), view.data, view.nbytes);
    }
    // copy=true: even a same-dtype CPU request gets memory of its own.
    out = src.to(device, dtype, /*non_blocking=*/false, /*copy=*/true).contiguous();
  });
  if (!st.ok()) return st;
  return out;
}

StrictLoader::StrictLoader(std::shared_ptr<const hf::SafeTensors> weights, at::ScalarType dtype,
                           at::Device device)
    : weights_(std::move(weights)), dtype_(dtype), device_(device) {}

void StrictLoader::Expect(const std::string& name, std::vector<int64_t> shape, at::Tensor* dest) {
  Expect(name, std::move(shape), dest, dtype_);
}

void StrictLoader::Expect(const std::string& name, std::vector<int64_t> shape, at::Tensor* dest,
                          at::ScalarType dtype) {
  requests_.push_back(Request{name, std::move(shape), dest, dtype});
}

void StrictLoader::Optional(const std::string& name) { optional_.push_back(name); }

std::vector<std::string> StrictLoader::Validate() const {
  hf::TensorCheck check;
  std::set<std::string, std::less<>> known(optional_.begin(), optional_.end());
  for (const Request& r : requests_) {
    known.insert(r.name);
    check.Expect(*weights_, r.name, r.shape);
  }
  for (const hf::TensorView& t : weights_->tensors()) {
    if (!known.count(t.name)) check.Unexpected(t.name);
  }
  return check.Problems();
}

Status StrictLoader::Finish() {
  std::vector<std::string> problems = Validate();
  if (!problems.empty()) {
    std::string msg;
    for (const std::string& p : problems) msg += (msg.empty() ? "" : "; ") + p;
    return Status::Corruption(weights_->path(), msg);
  }
  for (const Request& r : requests_) {
    if (r.dest == nullptr) continue;
    PHOTOIDX_ASSIGN_OR_RETURN(*r.dest, ToTensor(*weights_->Find(r.name), r.dtype, device_));
  }
  return Status::OK();
}

}  // namespace photoidx::models::torchutil
