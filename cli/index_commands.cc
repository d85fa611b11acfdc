// photoidx stats / photoidx gc: look after the index itself.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "core/index/index_store.h"

namespace photoidx::cli {
namespace {

Result<std::unique_ptr<index::IndexStore>> OpenIndex(const GlobalOptions& g, bool writer) {
  index::OpenOptions oo;
  oo.create = false;
  oo.writer = writer;
  return index::IndexStore::Open(ResolveIndexPath(g.index), oo);
}

nlohmann::json StatsJson(const index::IndexStats& s) {
  nlohmann::json j;
  j["files"] = {{"present", s.files_present}, {"missing", s.files_missing},
                {"failed", s.files_failed}, {"not_images", s.files_ignored}};
  j["contents"] = s.contents;
  j["models"] = nlohmann::json::array();
  for (const auto& m : s.models) {
    j["models"].push_back({{"name", m.model.name}, {"fingerprint", m.model.fingerprint},
                           {"kind", m.model.kind}, {"dim", m.model.dim},
                           {"embeddings", m.embeddings}, {"captions", m.captions}});
  }
  j["failures_by_stage"] = s.failures_by_stage;
  j["last_runs"] = nlohmann::json::array();
  for (const auto& r : s.last_runs) {
    nlohmann::json run = {{"id", r.id}, {"started_unix", r.started_unix}};
    run["ended_unix"] = r.ended_unix ? nlohmann::json(*r.ended_unix) : nlohmann::json(nullptr);
    run["summary"] = r.summary_json.empty() ? nlohmann::json(nullptr)
                                            : nlohmann::json::parse(r.summary_json, nullptr, false);
    j["last_runs"].push_back(std::move(run));
  }
  return j;
}

void PrintStats(const index::IndexStats& s) {
  std::printf("files     %lld present, %lld missing, %lld failed, %lld not images\n",
              (long long)s.files_present, (long long)s.files_missing, (long long)s.files_failed,
              (long long)s.files_ignored);
  std::printf("contents  %lld distinct photos\n", (long long)s.contents);
  for (const auto& m : s.models) {
    std::printf("model     %-5s %s (%s...): %lld embeddings, %lld captions\n", m.model.kind.c_str(),
                m.model.name.c_str(), m.model.fingerprint.substr(0, 12).c_str(),
                (long long)m.embeddings, (long long)m.captions);
  }
  for (const auto& [stage, n] : s.failures_by_stage) {
    std::printf("failures  %-8s %lld\n", stage.c_str(), (long long)n);
  }
  for (const auto& r : s.last_runs) {
    std::printf("run       #%lld started %lld %s\n", (long long)r.id, (long long)r.started_unix,
                r.ended_unix ? "finished" : "did not finish (killed or running)");
  }
}

int RunStats(bool json, const GlobalOptions& g) {
  auto store = OpenIndex(g, /*writer=*/false);
  if (!store.ok()) {
    PrintError("cannot open index: " + store.status().ToString());
    return kExitUsage;
  }
  auto stats = (*store)->Stats(5);
  if (!stats.ok()) {
    PrintError(stats.status().ToString());
    return kExitFailure;
  }
  if (json) {
    std::printf("%s\n", Dump(StatsJson(*stats), 2).c_str());
  } else {
    PrintStats(*stats);
  }
  return kExitOk;
}

int RunGc(bool no_wait, const GlobalOptions& g) {
  index::OpenOptions oo;
  oo.create = false;
  oo.writer = true;
  oo.wait = !no_wait;
  const std::string index_path = ResolveIndexPath(g.index);
  auto store = index::IndexStore::Open(index_path, oo);
  if (!store.ok()) {
    PrintError("cannot open index: " + store.status().ToString());
    return store.status().IsBusy() ? kExitBusy : kExitUsage;
  }
  Status st = (*store)->Begin();
  Result<int64_t> dropped = int64_t{0};
  if (st.ok()) {
    dropped = (*store)->DropMissing();
    st = dropped.ok() ? (*store)->Commit() : dropped.status();
  }
  if (!st.ok()) {
    PrintError(st.ToString());
    return kExitFailure;
  }
  std::fprintf(stderr, "gc: removed %lld rows (missing files and contents nothing refers to)\n",
               (long long)*dropped);
  RefreshVectorFiles(**store, index_path, *MakeLogger(g));
  return kExitOk;
}

}  // namespace

CommandFn AddStatsCommand(CLI::App& app, const GlobalOptions& global) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "stats", "Show what the index holds: files by state, photos, models with their embedding\n"
               "and caption counts, failures by stage, and the last runs.");
  cmd->add_flag("--json", *json, "Print one JSON object");
  return [json, &global] { return RunStats(*json, global); };
}

CommandFn AddGcCommand(CLI::App& app, const GlobalOptions& global) {
  auto no_wait = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "gc", "Drop files marked missing, and photos, embeddings and captions nothing refers to\n"
            "any more. Takes the writer lock like build.");
  cmd->add_flag("--no-wait", *no_wait, "Exit with code 3 if a build holds the index");
  return [no_wait, &global] { return RunGc(*no_wait, global); };
}

}  // namespace photoidx::cli
