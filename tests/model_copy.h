// ModelCopy: a writable copy of a fixture model folder (tests/data/models/*,
// which tests must not modify) in a ScopedTempDir, with editors for the
// safetensors JSON header and config.json. Shared by the broken-model tests
// of the torch loaders and of the torch-free text tower. Header-only.
#ifndef PHOTOIDX_TESTS_MODEL_COPY_H_
#define PHOTOIDX_TESTS_MODEL_COPY_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/testutil.h"

namespace photoidx::test {

inline void WriteBytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline void WriteText(const std::string& path, const std::string& text) {
  WriteBytes(path, std::vector<uint8_t>(text.begin(), text.end()));
}

class ModelCopy {
 public:
  using Json = nlohmann::json;

  // `model`: a folder name under tests/data/models.
  explicit ModelCopy(const std::string& model) {
    for (const auto& entry : std::filesystem::directory_iterator(DataPath("models/" + model))) {
      WriteBytes(dir_.Join(entry.path().filename().string()), ReadFileBytes(entry.path().string()));
    }
  }
  std::string File(const std::string& name) const { return dir_.Join(name); }
  const std::string& path() const { return dir_.path(); }

  // Rewrites the safetensors header through `edit`; the data section is
  // kept byte for byte.
  void EditHeader(const std::function<void(Json&)>& edit) {
    std::vector<uint8_t> bytes = ReadFileBytes(File("model.safetensors"));
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    Json header = Json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(n));
    edit(header);
    std::string text = header.dump();
    while (text.size() % 8) text += ' ';
    uint64_t m = text.size();
    std::vector<uint8_t> out(8);
    std::memcpy(out.data(), &m, 8);
    out.insert(out.end(), text.begin(), text.end());
    out.insert(out.end(), bytes.begin() + 8 + static_cast<int64_t>(n), bytes.end());
    WriteBytes(File("model.safetensors"), out);
  }

  // Rewrites config.json through `edit`.
  void EditConfig(const std::function<void(Json&)>& edit) {
    std::ifstream in(File("config.json"));
    Json config = Json::parse(in);
    edit(config);
    WriteText(File("config.json"), config.dump(2));
  }

 private:
  ScopedTempDir dir_;
};

}  // namespace photoidx::test

#endif  // PHOTOIDX_TESTS_MODEL_COPY_H_
