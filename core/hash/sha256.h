// SHA-256 through OpenSSL's EVP interface (uses SHA-NI where the CPU has it:
// about 1.3 GB/s). The content hash is what the index keys results by.
// Thread safety: a Sha256 object is used by one thread; separate objects are
// independent.
#ifndef PHOTOIDX_CORE_HASH_SHA256_H_
#define PHOTOIDX_CORE_HASH_SHA256_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace photoidx::hash {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::span<const uint8_t> data);
  // Returns the lowercase hex digest and resets the object for reuse.
  std::string FinishHex();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

// One-shot digest of a buffer, lowercase hex (64 chars).
std::string Sha256Hex(std::span<const uint8_t> data);

}  // namespace photoidx::hash

#endif  // PHOTOIDX_CORE_HASH_SHA256_H_
