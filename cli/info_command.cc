// photoidx info FILE...: what the decoder and the metadata reader see,
// without an index.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "core/base/strings.h"
#include "core/fs/file_system.h"
#include "core/hash/sha256.h"

namespace photoidx::cli {
namespace {

struct InfoFlags {
  std::vector<std::string> files;
  bool json = false;
};

nlohmann::json Inspect(fs::FileSystem& fs, const std::string& path) {
  nlohmann::json obj;
  SetPath(obj, path);
  auto bytes = fs.ReadFile(path);
  if (!bytes.ok()) {
    obj["error"] = bytes.status().ToString();
    return obj;
  }
  obj["size"] = bytes->size();
  obj["sha256"] = hash::Sha256Hex(*bytes);
  // The smallest decode that still reads all the data: it proves the file is
  // whole (a truncated JPEG fails) without paying for full resolution.
  image::DecodeOptions opts;
  opts.min_side = 1;
  auto decoded = image::DecodeImage(path, *bytes, opts);
  if (!decoded.ok()) {
    obj["format"] = image::FormatName(image::SniffFormat(*bytes));
    obj["error"] = decoded.status().ToString();
    return obj;
  }
  PutMetadata(obj, decoded->metadata);
  return obj;
}

void PrintText(const nlohmann::json& obj) {
  std::printf("%s\n", LossyUtf8(obj["path"].get<std::string>()).c_str());
  for (const auto& [key, value] : obj.items()) {
    if (key == "path" || key == "path_b64") continue;
    std::string v = value.is_string() ? value.get<std::string>() : Dump(value);
    std::printf("  %-12s %s\n", key.c_str(), v.c_str());
  }
}

int RunInfo(const InfoFlags& flags) {
  fs::RealFileSystem fs;
  nlohmann::json all = nlohmann::json::array();
  int failed = 0;
  for (const auto& path : flags.files) {
    nlohmann::json obj = Inspect(fs, path);
    if (obj.contains("error")) {
      ++failed;
      std::fprintf(stderr, "warn info %s: %s\n", LossyUtf8(path).c_str(),
                   obj["error"].get<std::string>().c_str());
    }
    if (flags.json) {
      all.push_back(std::move(obj));
    } else {
      PrintText(obj);
    }
  }
  if (flags.json) std::printf("%s\n", Dump(all, 2).c_str());
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace

CommandFn AddInfoCommand(CLI::App& app, const GlobalOptions&) {
  auto flags = std::make_shared<InfoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "info",
      "Show what photoidx sees in FILE...: format, size after orientation, orientation,\n"
      "date taken, camera, lens, GPS and SHA-256. Needs no index. Exit code 1 when any\n"
      "file cannot be read.");
  cmd->add_option("files", flags->files, "Image files")->required();
  cmd->add_flag("--json", flags->json, "Print a JSON array, one object per file");
  return [flags] { return RunInfo(*flags); };
}

}  // namespace photoidx::cli
