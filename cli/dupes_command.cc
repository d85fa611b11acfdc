// photoidx dupes: photos held more than once (core/search/dupes.h). Exact
// copies by content hash always; with --near also different files of
// look-alike photos, by cosine similarity of their CLIP embeddings. A reader:
// no writer lock.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "core/base/strings.h"
#include "core/index/index_store.h"
#include "core/index/vector_file.h"
#include "core/search/dupes.h"

namespace photoidx::cli {
namespace {

struct DupesFlags {
  bool near = false;
  double threshold = 0.95;  // double: JSON shows 0.95, not 0.949999988
  std::string clip_model;
  bool json = false, ndjson = false;
};

nlohmann::json GroupJson(size_t number, const search::DupeGroup& g) {
  nlohmann::json j;
  j["group"] = number;
  j["kind"] = g.kind == search::DupeKind::kExact ? "exact" : "near";
  j["max_score"] = g.max_score ? nlohmann::json(*g.max_score) : nlohmann::json(nullptr);
  j["min_score"] = g.min_score ? nlohmann::json(*g.min_score) : nlohmann::json(nullptr);
  j["files"] = nlohmann::json::array();
  for (const search::DupeFile& f : g.files) {
    nlohmann::json file;
    SetPath(file, f.path);
    file["sha256"] = f.sha256;
    j["files"].push_back(std::move(file));
  }
  return j;
}

void PrintTable(const std::vector<search::DupeGroup>& groups) {
  if (groups.empty()) {
    std::fprintf(stderr, "no duplicates\n");
    return;
  }
  std::printf("%5s  %-5s  %-13s  %s\n", "group", "kind", "score", "path");
  for (size_t i = 0; i < groups.size(); ++i) {
    const search::DupeGroup& g = groups[i];
    char score[32] = "";
    if (g.max_score) std::snprintf(score, sizeof score, "%.4f-%.4f", *g.min_score, *g.max_score);
    for (size_t k = 0; k < g.files.size(); ++k) {
      if (k == 0) {
        std::printf("%5zu  %-5s  %-13s  ", i + 1,
                    g.kind == search::DupeKind::kExact ? "exact" : "near", score);
      } else {
        std::printf("%5s  %-5s  %-13s  ", "", "", "");
      }
      std::printf("%s\n", LossyUtf8(g.files[k].path).c_str());
    }
  }
}

void Print(const DupesFlags& f, const std::string& model,
           const std::vector<search::DupeGroup>& groups) {
  if (f.ndjson) {
    for (size_t i = 0; i < groups.size(); ++i) {
      std::printf("%s\n", Dump(GroupJson(i + 1, groups[i])).c_str());
    }
  } else if (f.json) {
    nlohmann::json j;
    j["model"] = model.empty() ? nlohmann::json(nullptr) : nlohmann::json(model);
    j["threshold"] = f.near ? nlohmann::json(f.threshold) : nlohmann::json(nullptr);
    j["groups"] = nlohmann::json::array();
    for (size_t i = 0; i < groups.size(); ++i) j["groups"].push_back(GroupJson(i + 1, groups[i]));
    std::printf("%s\n", Dump(j, 2).c_str());
  } else {
    PrintTable(groups);
  }
}

// Appends the near groups of the chosen CLIP model; returns the exit code
// on failure (4: no embeddings), else sets `model`.
int AddNearGroups(index::IndexStore& store, const std::string& index_path, const DupesFlags& f,
                  std::string& model, std::vector<search::DupeGroup>& groups) {
  auto row = search::PickModel(store, "clip", f.clip_model);
  if (!row.ok()) {
    PrintError(row.status().message());
    return row.status().IsNotFound() ? kExitNoEmbeddings : kExitUsage;
  }
  model = row->fingerprint;
  // The mmapped vector file when current (written by build and gc), else
  // the embeddings are read from the index.
  auto vectors = index::OpenCurrentVectorFile(store, model, index::VectorFilePath(index_path, model));
  search::NearOptions options;
  options.threshold = static_cast<float>(f.threshold);
  auto near = search::FindNearDuplicates(store, model, options, vectors.get());
  if (!near.ok()) {
    PrintError(near.status().ToString());
    return near.status().IsNotFound() ? kExitNoEmbeddings : kExitFailure;
  }
  for (auto& g : *near) groups.push_back(std::move(g));
  return kExitOk;
}

int RunDupes(const DupesFlags& f, const GlobalOptions& g) {
  index::OpenOptions oo;
  oo.create = false;
  const std::string index_path = ResolveIndexPath(g.index);
  auto store = index::IndexStore::Open(index_path, oo);
  if (!store.ok()) {
    PrintError("cannot open index " + index_path + ": " + store.status().ToString());
    return kExitUsage;
  }
  auto exact = search::FindExactDuplicates(**store);
  if (!exact.ok()) {
    PrintError(exact.status().ToString());
    return kExitFailure;
  }
  std::vector<search::DupeGroup> groups = std::move(*exact);
  std::string model;
  if (f.near) {
    const int code = AddNearGroups(**store, index_path, f, model, groups);
    if (code != kExitOk) return code;
  }
  Print(f, model, groups);
  return kExitOk;
}

}  // namespace

CommandFn AddDupesCommand(CLI::App& app, const GlobalOptions& global) {
  auto f = std::make_shared<DupesFlags>();
  CLI::App* cmd = app.add_subcommand(
      "dupes",
      "Find photos held more than once. Exact: files with the same content (SHA-256),\n"
      "one group per content. With --near also look-alike photos (re-encoded, resized,\n"
      "edited copies): CLIP embeddings with cosine similarity >= --threshold, grouped\n"
      "transitively; each near group shows the lowest and highest linking score.\n"
      "Output: a table; --json (one object: model, threshold, groups) or --ndjson (one\n"
      "group a line) for scripts. Each group lists its files (path, sha256).\n"
      "Examples:\n"
      "  photoidx dupes\n"
      "  photoidx dupes --near --threshold 0.92\n"
      "  photoidx dupes --json | jq -r '.groups[] | .files[1:][] | .path'   # all but the first");
  cmd->add_flag("--near", f->near, "Also group look-alike photos by CLIP embedding");
  cmd->add_option("--threshold", f->threshold,
                  "With --near: the cosine similarity that links two photos, in [-1, 1]")
      ->check(CLI::Range(-1.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--clip-model", f->clip_model,
                  "With --near: the CLIP model whose embeddings compare (name or fingerprint; "
                  "default: the only one in the index)");
  auto* json = cmd->add_flag("--json", f->json, "One JSON object: model, threshold, groups");
  auto* ndjson = cmd->add_flag("--ndjson", f->ndjson, "One JSON group per line");
  json->excludes(ndjson);
  return [f, &global] { return RunDupes(*f, global); };
}

}  // namespace photoidx::cli
