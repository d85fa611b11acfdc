// photoidx build DIR...: index folders of photos.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/models.h"
#include "cli/progress.h"
#include "core/fs/file_system.h"
#include "core/index/index_store.h"
#include "core/metrics/stage_stats.h"
#include "core/pipeline/build.h"

namespace photoidx::cli {
namespace {

struct BuildFlags {
  std::vector<std::string> dirs;
  bool include_hidden = false;
  std::vector<std::string> excludes;
  bool retry_failed = false;
  int64_t max_failures = 0;
  bool no_wait = false;
  bool json = false;
  int threads = 0;
  int batch_size = 32;
  ModelFlags models;
  bool no_embeddings = false;
  bool no_captions = false;
  int beams = 1;
};

// Resolves the model folders and fingerprints before any work, so a missing
// or broken model is exit code 2 with nothing done.
Status AddModelStages(const BuildFlags& flags, pipeline::BuildOptions* options) {
  if (!flags.no_embeddings) {
    PHOTOIDX_ASSIGN_OR_RETURN(ResolvedModel clip, ResolveClip(flags.models.clip_model, flags.models));
    options->embed = pipeline::EmbedStageSpec{
        clip.name, clip.fingerprint, [clip] { return LoadImageEmbedder(clip); }, clip.decode_side};
  }
  if (!flags.no_captions) {
    PHOTOIDX_ASSIGN_OR_RETURN(ResolvedModel blip, ResolveBlip(flags.models.blip_model, flags.models));
    models::CaptionOptions copts;
    copts.num_beams = flags.beams;
    options->caption = pipeline::CaptionStageSpec{
        blip.name, blip.fingerprint, [blip] { return LoadCaptioner(blip); }, copts,
        blip.decode_side};
  }
  options->release_accelerator_cache = InstallAcceleratorHooks();
  return Status::OK();
}

// Checks everything that can be checked before any work: folders exist.
Status Validate(fs::FileSystem& fs, BuildFlags& flags, std::vector<std::string>* roots) {
  for (const auto& d : flags.dirs) {
    auto info = fs.Stat(d);
    if (!info.ok()) return Status::InvalidArgument(d, "no such file or folder");
    roots->push_back(fs::AbsolutePath(d));
  }
  return Status::OK();
}

void PrintSummary(const pipeline::BuildSummary& s, Logger& log) {
  char line[512];
  std::snprintf(line, sizeof line,
                "done in %.2f s: %lld seen, %lld unchanged, %lld new, %lld changed, %lld decoded, "
                "%lld reused, %lld failed, %lld missing, %lld not images; %lld embedded (%lld "
                "from cache), %lld captioned (%lld from cache)",
                s.wall_seconds, (long long)s.seen, (long long)s.unchanged, (long long)s.new_files,
                (long long)s.changed, (long long)s.decoded, (long long)s.reused,
                (long long)s.failed, (long long)s.missing, (long long)s.ignored,
                (long long)s.embedded, (long long)s.embeddings_reused, (long long)s.captioned,
                (long long)s.captions_reused);
  LogRecord r;
  r.event = "summary";
  r.message = line;
  log.Log(r);
  if (!s.failures.empty()) {
    log.Info("failures are listed above and in the index; `photoidx build --json` lists them too");
  }
}

int RunBuildCommand(BuildFlags& flags, const GlobalOptions& global) {
  auto log = MakeLogger(global);
  fs::RealFileSystem fs;
  pipeline::BuildOptions options;
  Status st = Validate(fs, flags, &options.roots);
  if (!st.ok()) {
    PrintError(st.ToString());
    return kExitUsage;
  }
  st = AddModelStages(flags, &options);
  if (!st.ok()) {
    PrintError(st.ToString());
    return kExitUsage;
  }
  index::OpenOptions open_options;
  open_options.writer = true;
  open_options.wait = !flags.no_wait;
  const std::string index_path = ResolveIndexPath(global.index);
  auto store = index::IndexStore::Open(index_path, open_options);
  if (!store.ok()) {
    PrintError("cannot open index " + index_path + ": " + store.status().ToString());
    return store.status().IsBusy() ? kExitBusy : kExitUsage;
  }
  options.scan.include_hidden = flags.include_hidden;
  options.scan.excludes = flags.excludes;
  options.plan.retry_failed = flags.retry_failed;
  options.max_failures = flags.max_failures;
  options.threads = flags.threads;
  options.batch_size = flags.batch_size;
  options.interrupted = InstallInterruptHandler();
  ProgressBar bar(StderrIsTerminal() && !global.quiet);
  options.progress = [&](const pipeline::Progress& p) { bar.Update(p.stage, p.done, p.total); };

  pipeline::BuildSummary summary;
  st = pipeline::RunBuild(fs, **store, *log, options, &summary);
  bar.Clear();
  RefreshVectorFiles(**store, index_path, *log);
  PrintSummary(summary, *log);
  if (flags.json) std::printf("%s\n", pipeline::SummaryToJson(summary).c_str());
  if (!st.ok()) {
    PrintError(st.ToString());
    if (st.code() == Status::Code::kAborted) return kExitFailure;
    // A model that fails to load is a configuration error (exit 2); the
    // files ingested before it are kept.
    if (st.IsInvalidArgument()) return kExitUsage;
    return ExitCodeFor(st) == kExitUsage ? kExitFailure : ExitCodeFor(st);
  }
  return kExitOk;
}

}  // namespace

CommandFn AddBuildCommand(CLI::App& app, const GlobalOptions& global) {
  auto flags = std::make_shared<BuildFlags>();
  CLI::App* cmd = app.add_subcommand(
      "build",
      "Index the photos in DIR... (recursively): hash, decode, read metadata, and store\n"
      "everything in the index. Unchanged files are not reopened; renamed or copied\n"
      "photos reuse earlier results. Files that cannot be read are reported on one line\n"
      "each, recorded, and skipped (retried when they change, or with --retry-failed).");
  cmd->add_option("dirs", flags->dirs, "Folders (or single files) to index")->required();
  cmd->add_flag("--include-hidden", flags->include_hidden,
                "Also enter dot-folders and system folders (.git, @eaDir, .Trash-*, lost+found)");
  cmd->add_option("--exclude", flags->excludes, "Leave out paths matching GLOB (repeatable)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->type_name("GLOB");
  cmd->add_flag("--retry-failed", flags->retry_failed, "Retry files that failed before");
  cmd->add_option("--max-failures", flags->max_failures,
                  "Stop with exit code 1 after N failed files (0 = never)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-wait", flags->no_wait,
                "Exit with code 3 if another build holds the index, instead of waiting");
  cmd->add_flag("--json", flags->json, "Print the run summary as one JSON object on stdout");
  cmd->add_option("--threads", flags->threads, "Decode/hash threads (0 = one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch-size", flags->batch_size, "Images per model batch")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--clip-model", flags->models.clip_model,
                  "CLIP checkpoint: a folder or a Hugging Face id in the local HF cache")
      ->capture_default_str();
  cmd->add_option("--blip-model", flags->models.blip_model,
                  "BLIP captioning checkpoint: a folder or a Hugging Face id")
      ->capture_default_str();
  cmd->add_flag("--no-embeddings", flags->no_embeddings, "Skip the CLIP stage");
  cmd->add_flag("--no-captions", flags->no_captions, "Skip the BLIP caption stage");
  cmd->add_option("--beams", flags->beams, "Caption beam width (1 = greedy)")
      ->check(CLI::Range(1, 16));
  AddDeviceFlags(*cmd, flags->models);
  return [flags, &global] { return RunBuildCommand(*flags, global); };
}

}  // namespace photoidx::cli
