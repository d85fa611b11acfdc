#include "tests/e2e/e2e_util.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/testutil.h"

namespace photoidx::test {

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

RunResult RunPhotoidx(const std::string& args) {
  ScopedTempDir tmp;
  const std::string out = tmp.Join("out"), err = tmp.Join("err");
  const std::string cmd = Quote(PHOTOIDX_BIN) + " " + args + " >" + Quote(out) + " 2>" + Quote(err);
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadText(out);
  r.err = ReadText(err);
  return r;
}

void CopyReferenceImages(const std::string& dir) {
  std::filesystem::create_directories(dir);
  for (const char* name : kReferenceImages) {
    std::filesystem::copy(DataPath(std::string("reference/images/") + name), dir + "/" + name);
  }
}

}  // namespace photoidx::test
