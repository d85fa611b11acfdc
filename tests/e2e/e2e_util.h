// Runs the photoidx binary for end-to-end tests.
#ifndef PHOTOIDX_TESTS_E2E_E2E_UTIL_H_
#define PHOTOIDX_TESTS_E2E_E2E_UTIL_H_

#include <string>

namespace photoidx::test {

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `photoidx <args>` through /bin/sh (args are shell words: quote them).
RunResult RunPhotoidx(const std::string& args);

// Shell-quotes one word.
std::string Quote(const std::string& s);

std::string ReadText(const std::string& path);

// The six photos the reference outputs were made from
// (tests/data/reference/images), in the reference's order.
inline constexpr const char* kReferenceImages[] = {
    "rocket_landscape.jpg", "man_portrait.jpg", "text_wide_gray.png",
    "hopper_small.jpg",     "children_rgba.png", "wolf_gray.jpg"};

// Creates `dir` and copies the reference photos into it.
void CopyReferenceImages(const std::string& dir);

}  // namespace photoidx::test

#endif  // PHOTOIDX_TESTS_E2E_E2E_UTIL_H_
