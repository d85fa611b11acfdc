// libFuzzer entry: any byte string given to SafeTensors::FromBuffer must give
// a Status or a file whose views stay inside the buffer, never a crash.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/base/check.h"
#include "core/models/hf/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using photoidx::models::hf::SafeTensors;
  auto st = SafeTensors::FromBuffer(std::vector<uint8_t>(data, data + size), "fuzz");
  if (!st.ok()) return 0;
  std::vector<float> scratch;
  for (const auto& t : (*st)->tensors()) {
    PHOTOIDX_CHECK(t.nbytes == size_t(t.numel()) * photoidx::models::hf::DTypeSize(t.dtype));
    PHOTOIDX_CHECK(t.nbytes <= size);
    // Touch every element so ASan sees any view outside the buffer.
    scratch.resize(size_t(t.numel()));
    (void)photoidx::models::hf::CopyToFloat32(t, scratch.data());
    PHOTOIDX_CHECK((*st)->Find(t.name) == &t);
  }
  return 0;
}
