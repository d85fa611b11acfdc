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

}  // namespace photoidx::test

#endif  // PHOTOIDX_TESTS_E2E_E2E_UTIL_H_
