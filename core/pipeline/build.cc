#include "core/pipeline/build.h"

#include <map>
#include <unordered_set>

#include "core/base/parallel.h"
#include "core/pipeline/build_internal.h"
#include "core/pipeline/ingest.h"

namespace photoidx::pipeline {
namespace internal {

// "corruption: /p/x.jpg: jpeg: truncated" -> "corruption: jpeg: truncated":
// the log line and the failure row carry the path already.
std::string ReasonWithoutPath(const Status& st, const std::string& path) {
  std::string msg = st.message();
  if (msg.compare(0, path.size() + 2, path + ": ") == 0) msg = msg.substr(path.size() + 2);
  return std::string(Status::CodeName(st.code())) + ": " + msg;
}

Status RunContext::Fail(const std::string& path, uint64_t size, int64_t mtime_ns,
                        const std::string& sha256, const char* stage, const Status& status) {
  const std::string reason = ReasonWithoutPath(status, path);
  log.Warn(stage, path, reason);
  ++summary.failed;
  summary.failures.push_back({path, stage, reason});
  index::FailureRow row;
  row.path = path;
  row.size = size;
  row.mtime_ns = mtime_ns;
  row.sha256 = sha256;
  row.stage = stage;
  row.reason = reason;
  row.at_unix = options.clock->UnixSeconds();
  PHOTOIDX_RETURN_IF_ERROR(store.RecordFailure(row));
  if (options.max_failures > 0 && summary.failed > options.max_failures) {
    return Status::Aborted("more than --max-failures files failed",
                           std::to_string(options.max_failures));
  }
  return Status::OK();
}

void RunContext::AddStage(const metrics::StageStats& stats) {
  summary.stages.push_back(stats);
  LogRecord r;
  r.event = "stage";
  r.stage = stats.name;
  const std::string line = metrics::FormatStageLine(stats);
  r.message = line;
  r.fields = {{"items", std::to_string(stats.items)},
              {"failed", std::to_string(stats.failed)},
              {"wall_s", std::to_string(stats.wall_seconds)},
              {"per_s", std::to_string(stats.items_per_second())},
              {"rss_bytes", std::to_string(stats.memory_after.rss_bytes)},
              {"peak_rss_bytes", std::to_string(stats.memory_after.peak_rss_bytes)}};
  if (stats.accelerator_after.available) {
    r.fields.push_back({"cuda_allocated_bytes", std::to_string(stats.accelerator_after.allocated_bytes)});
    r.fields.push_back({"cuda_reserved_bytes", std::to_string(stats.accelerator_after.reserved_bytes)});
    r.fields.push_back({"cuda_peak_bytes", std::to_string(stats.accelerator_after.peak_allocated_bytes)});
  }
  log.Log(r);
}

Result<std::vector<PendingItem>> PresentContents(index::IndexStore& store) {
  PHOTOIDX_ASSIGN_OR_RETURN(auto files, store.LoadFiles());
  // Sorted by path so the choice of representative file is deterministic.
  std::map<std::string, const index::FileRow*> by_path;
  for (const auto& [path, row] : files) {
    if (row.state == index::FileState::kPresent && !row.sha256.empty()) by_path[path] = &row;
  }
  std::vector<PendingItem> out;
  std::unordered_set<std::string> seen;
  for (const auto& [path, row] : by_path) {
    if (seen.insert(row->sha256).second) {
      out.push_back({row->sha256, path, row->size, row->mtime_ns});
    }
  }
  return out;
}

}  // namespace internal

namespace {

using internal::RunContext;

// Good pixels with damaged metadata around them (a broken EXIF block, junk
// before a marker): the photo is indexed, and the damage is reported on one
// line and kept as a failure row of stage "metadata" next to the present file.
Status RecordWarning(RunContext& ctx, const WorkItem& item, const IngestOutcome& o,
                     index::FileRow row) {
  std::string reason;
  for (const auto& w : o.metadata.warnings) reason += (reason.empty() ? "" : "; ") + w;
  ctx.log.Warn("metadata", item.file.path, reason);
  ++ctx.summary.warned;
  ctx.summary.failures.push_back({item.file.path, "metadata", reason});
  index::FailureRow f;
  f.path = row.path;
  f.size = row.size;
  f.mtime_ns = row.mtime_ns;
  f.sha256 = row.sha256;
  f.stage = "metadata";
  f.reason = reason;
  f.at_unix = ctx.options.clock->UnixSeconds();
  ++ctx.summary.hashed;
  PHOTOIDX_RETURN_IF_ERROR(ctx.store.RecordFailure(f));
  row.state = index::FileState::kPresent;  // RecordFailure marked it failed
  return ctx.store.UpsertFile(row);
}

// Writes one ingested file to the index (inside the current transaction).
Status Record(RunContext& ctx, const WorkItem& item, const IngestOutcome& o) {
  const auto& f = item.file;
  index::FileRow row;
  row.path = f.path;
  row.size = f.info.size;
  row.mtime_ns = f.info.mtime_ns;
  row.sha256 = o.sha256;
  switch (o.kind) {
    case IngestKind::kIgnored:
      ++ctx.summary.ignored;
      row.state = index::FileState::kIgnored;
      return ctx.store.UpsertFile(row);
    case IngestKind::kFailed:
      row.state = index::FileState::kFailed;
      PHOTOIDX_RETURN_IF_ERROR(ctx.store.UpsertFile(row));
      return ctx.Fail(f.path, f.info.size, f.info.mtime_ns, o.sha256, o.stage, o.status);
    case IngestKind::kDecoded:
      ++ctx.summary.decoded;
      PHOTOIDX_RETURN_IF_ERROR(ctx.store.PutContent(o.sha256, f.info.size, o.metadata));
      if (!o.metadata.warnings.empty()) return RecordWarning(ctx, item, o, row);
      break;
    case IngestKind::kReused:
      ++ctx.summary.reused;
      break;
  }
  ++ctx.summary.hashed;
  row.state = index::FileState::kPresent;
  PHOTOIDX_RETURN_IF_ERROR(ctx.store.UpsertFile(row));
  return ctx.store.ClearFailure(f.path);
}

Result<std::unordered_set<std::string>> KnownContents(index::IndexStore& store) {
  PHOTOIDX_ASSIGN_OR_RETURN(auto files, store.LoadFiles());
  PHOTOIDX_ASSIGN_OR_RETURN(auto contents, store.ContentHashes());
  std::unordered_set<std::string> known;
  for (const auto& [path, row] : files) {
    if (row.sha256.empty() || row.state == index::FileState::kFailed) continue;
    if (contents.count(row.sha256) > 0) known.insert(row.sha256);
  }
  return known;
}

// Reads, hashes and decodes the planned files in chunks: workers fill a
// chunk's outcomes in parallel, then this thread writes the chunk in one
// transaction.
Status Ingest(RunContext& ctx, const Plan& plan) {
  metrics::StageStats stats;
  metrics::ScopedStage stage("ingest", &stats, ctx.options.clock);
  std::unordered_set<std::string> known;
  if (!plan.work.empty()) {
    PHOTOIDX_ASSIGN_OR_RETURN(known, KnownContents(ctx.store));
  }
  ContentSet contents(std::move(known));
  const int threads = ctx.options.threads > 0 ? ctx.options.threads : DefaultThreads();
  const size_t chunk = size_t(std::max(1, ctx.options.commit_every));
  Status result;
  for (size_t begin = 0; begin < plan.work.size() && result.ok(); begin += chunk) {
    if (ctx.interrupted()) {
      result = Status::Interrupted("build interrupted");
      break;
    }
    const size_t n = std::min(chunk, plan.work.size() - begin);
    std::vector<IngestOutcome> outcomes(n);
    ParallelFor(n, threads, [&](size_t i) {
      outcomes[i] = IngestFile(ctx.fs, plan.work[begin + i], contents, ctx.options.ingest_min_side);
    });
    PHOTOIDX_RETURN_IF_ERROR(ctx.store.Begin());
    for (size_t i = 0; i < n && result.ok(); ++i) {
      result = Record(ctx, plan.work[begin + i], outcomes[i]);
      stage.Add(1, int64_t(plan.work[begin + i].file.info.size));
      if (outcomes[i].kind == IngestKind::kFailed) stage.AddFailed();
    }
    // Commit even when aborting on max_failures: what was done is kept.
    PHOTOIDX_RETURN_IF_ERROR(ctx.store.Commit());
    if (ctx.options.progress) {
      ctx.options.progress({"ingest", int64_t(begin + n), int64_t(plan.work.size())});
    }
  }
  stage.Finish();
  ctx.AddStage(stats);
  return result;
}

Status MarkMissing(RunContext& ctx, const Plan& plan) {
  if (plan.missing.empty()) return Status::OK();
  PHOTOIDX_RETURN_IF_ERROR(ctx.store.Begin());
  auto n = ctx.store.MarkMissing(plan.missing);
  PHOTOIDX_RETURN_IF_ERROR(ctx.store.Commit());
  if (!n.ok()) return n.status();
  ctx.summary.missing = *n;
  return Status::OK();
}

Status RunStages(RunContext& ctx) {
  metrics::StageStats scan_stats;
  Plan plan;
  {
    metrics::ScopedStage stage("scan", &scan_stats, ctx.options.clock);
    ScanResult scan = Scan(ctx.fs, ctx.options.roots, ctx.options.scan);
    for (const auto& e : scan.errors) ctx.log.Warn("scan", e.path, e.status.ToString());
    PHOTOIDX_ASSIGN_OR_RETURN(auto known, ctx.store.LoadFiles());
    plan = MakePlan(scan, known, ctx.options.roots, ctx.options.plan);
    stage.Add(plan.seen);
  }
  ctx.AddStage(scan_stats);
  ctx.summary.seen = plan.seen;
  ctx.summary.unchanged = plan.unchanged;
  for (const auto& w : plan.work) (w.is_new ? ctx.summary.new_files : ctx.summary.changed)++;
  PHOTOIDX_RETURN_IF_ERROR(MarkMissing(ctx, plan));
  PHOTOIDX_RETURN_IF_ERROR(Ingest(ctx, plan));
  if (!ctx.options.embed && !ctx.options.caption) return Status::OK();
  PHOTOIDX_ASSIGN_OR_RETURN(auto contents, internal::PresentContents(ctx.store));
  if (ctx.options.embed) PHOTOIDX_RETURN_IF_ERROR(internal::RunEmbedStage(ctx, contents));
  if (ctx.options.caption) PHOTOIDX_RETURN_IF_ERROR(internal::RunCaptionStage(ctx, contents));
  return Status::OK();
}

}  // namespace

Status RunBuild(fs::FileSystem& fs, index::IndexStore& store, Logger& log,
                const BuildOptions& options, BuildSummary* summary) {
  *summary = BuildSummary{};
  RunContext ctx{fs, store, log, options, *summary};
  const int64_t start_us = options.clock->NowMicros();
  PHOTOIDX_ASSIGN_OR_RETURN(summary->run_id, store.BeginRun(options.clock->UnixSeconds()));
  Status st = RunStages(ctx);
  summary->interrupted = st.code() == Status::Code::kInterrupted;
  summary->wall_seconds = double(options.clock->NowMicros() - start_us) / 1e6;
  Status end = store.EndRun(summary->run_id, options.clock->UnixSeconds(), SummaryToJson(*summary));
  return st.ok() ? end : st;
}

}  // namespace photoidx::pipeline
