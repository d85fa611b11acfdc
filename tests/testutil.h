// Helpers shared by the test binaries.
#ifndef PHOTOIDX_TESTS_TESTUTIL_H_
#define PHOTOIDX_TESTS_TESTUTIL_H_

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/base/status.h"

namespace photoidx::test {

// Absolute path of a file under tests/data ("images/jpeg/x.jpg").
std::string DataPath(const std::string& relative);

// The shared tiny CLIP checkpoints (folders under tests/data/models), for
// INSTANTIATE_TEST_SUITE_P with ModelTestName.
inline ::testing::internal::ParamGenerator<std::string> ClipModels() {
  return ::testing::Values(std::string("clip-tiny-quickgelu"), std::string("clip-tiny-gelu-fp16"));
}
// gtest test-name suffix of a model: "clip_tiny_quickgelu".
inline std::string ModelTestName(const ::testing::TestParamInfo<std::string>& param) {
  std::string n = param.param;
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

// Whole file as bytes; fails the test (ADD_FAILURE) when unreadable.
std::vector<uint8_t> ReadFileBytes(const std::string& path);

// A fresh temporary directory, removed recursively when destroyed (ninja).
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace photoidx::test

#define ASSERT_OK(expr)                                            \
  do {                                                             \
    ::photoidx::Status _s = (expr);                                \
    ASSERT_TRUE(_s.ok()) << _s.ToString();                         \
  } while (0)
#define EXPECT_OK(expr)                                            \
  do {                                                             \
    ::photoidx::Status _s = (expr);                                \
    EXPECT_TRUE(_s.ok()) << _s.ToString();                         \
  } while (0)

#endif  // PHOTOIDX_TESTS_TESTUTIL_H_
