#include "core/hash/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace photoidx::hash {
namespace {

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(Bytes("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex(Bytes("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, StreamingEqualsOneShotAndResets) {
  std::string data(1 << 20, 'x');
  Sha256 h;
  h.Update(Bytes(data.substr(0, 1000)));
  h.Update(Bytes(data.substr(1000)));
  EXPECT_EQ(h.FinishHex(), Sha256Hex(Bytes(data)));
  h.Update(Bytes("abc"));
  EXPECT_EQ(h.FinishHex(), Sha256Hex(Bytes("abc")));
}

}  // namespace
}  // namespace photoidx::hash
