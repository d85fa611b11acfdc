// The model stages of a build: CLIP embeddings, then BLIP captions.
//
// Each stage lists the contents that lack a result for its model
// fingerprint, loads the model only if there are any, processes them in
// batches (decoding batches ahead on worker threads, from before the model
// loads, while the model runs the current one), halves a batch the model fails on and retries, records
// only the files that still fail, and destroys the model before returning,
// then releases the accelerator cache: one model is resident at a time.
#include <deque>
#include <future>

#include "core/base/parallel.h"
#include "core/metrics/memory.h"
#include "core/pipeline/build_internal.h"

namespace photoidx::pipeline::internal {
namespace {

struct DecodedBatch {
  std::vector<const PendingItem*> items;
  std::vector<image::Image> images;
  // Files that failed to decode now (changed or vanished since ingest).
  std::vector<std::pair<const PendingItem*, Status>> failures;
  double decode_cpu_seconds = 0;  // summed over the worker threads
};

// Seconds since `start_us` on `clock`.
double Since(const metrics::Clock* clock, int64_t start_us) {
  return double(clock->NowMicros() - start_us) / 1e6;
}

// Decodes `items` in parallel at the model's input size; a file that fails
// to decode is listed in the batch's failures and dropped.
DecodedBatch DecodeBatch(RunContext& ctx, std::span<const PendingItem* const> items,
                         int min_side) {
  std::vector<Result<image::Decoded>> results(items.size(), Status::Aborted("not decoded"));
  std::vector<double> seconds(items.size(), 0.0);
  const int threads = ctx.options.threads > 0 ? ctx.options.threads : DefaultThreads();
  const metrics::Clock* clock = ctx.options.clock;
  ParallelFor(items.size(), threads, [&](size_t i) {
    RunThisThreadWhenIdle();  // never slow the model down (a fresh thread each call)
    const int64_t start = clock->NowMicros();
    auto bytes = ctx.fs.ReadFile(items[i]->path);
    if (!bytes.ok()) {
      results[i] = bytes.status();
      return;
    }
    image::DecodeOptions opts;
    opts.min_side = min_side;
    results[i] = image::DecodeImage(items[i]->path, *bytes, opts);
    seconds[i] = Since(clock, start);
  });
  DecodedBatch batch;
  for (double t : seconds) batch.decode_cpu_seconds += t;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!results[i].ok()) {
      batch.failures.push_back({items[i], results[i].status()});
      continue;
    }
    batch.items.push_back(items[i]);
    batch.images.push_back(std::move(results[i]->image));
  }
  return batch;
}

// Decodes the batches of `pending` in order, several batches ahead of the
// one the model is running, from construction on (so the first ones decode
// while the model loads). Whole batches in flight at once interleave their
// files on the cores: a slow file (a HEIC without a thumbnail, a large RAW)
// no longer holds every other core idle until it is done, which is what
// made a GPU build wait for decoding (docs/benchmarks.md). Memory: at most
// kAheadImages decoded images wait beyond the running batch.
class DecodeAhead {
 public:
  DecodeAhead(RunContext& ctx, const std::vector<const PendingItem*>& pending, size_t batch_size,
              int min_side)
      : ctx_(ctx),
        pending_(pending),
        batch_size_(batch_size),
        min_side_(min_side),
        depth_(std::max<size_t>(2, kAheadImages / batch_size)) {
    Fill();
  }
  // Waits for the in-flight decodes (std::async futures join on destruction).
  ~DecodeAhead() = default;

  int min_side() const { return min_side_; }
  bool done() const { return in_flight_.empty(); }
  // The next batch in order; blocks until it is decoded.
  DecodedBatch Next() {
    DecodedBatch batch = in_flight_.front().get();
    in_flight_.pop_front();
    Fill();
    return batch;
  }

 private:
  static constexpr size_t kAheadImages = 64;

  void Fill() {
    while (in_flight_.size() < depth_ && next_ < pending_.size()) {
      const size_t n = std::min(batch_size_, pending_.size() - next_);
      auto items = std::span(pending_).subspan(next_, n);
      in_flight_.push_back(std::async(std::launch::async, [this, items] {
        return DecodeBatch(ctx_, items, min_side_);
      }));
      next_ += n;
    }
  }

  RunContext& ctx_;
  const std::vector<const PendingItem*>& pending_;
  const size_t batch_size_;
  const int min_side_;
  const size_t depth_;
  size_t next_ = 0;
  std::deque<std::future<DecodedBatch>> in_flight_;
};

// Runs `process` on [begin, end) of the batch; on failure halves the range
// and retries each half, down to single images, whose failures are reported
// through `on_fail`.
template <typename Process, typename OnFail>
Status ProcessHalving(std::span<const image::Image* const> images, size_t offset,
                      Process& process, OnFail& on_fail) {
  Status st = process(images, offset);
  if (st.ok()) return st;
  if (images.size() == 1) return on_fail(offset, st);
  const size_t half = images.size() / 2;
  PHOTOIDX_RETURN_IF_ERROR(ProcessHalving(images.subspan(0, half), offset, process, on_fail));
  return ProcessHalving(images.subspan(half), offset + half, process, on_fail);
}

// The loop shared by both stages. `run_batch(batch, stage)` runs the model
// on one decoded batch and writes its results.
template <typename RunBatch>
Status BatchLoop(RunContext& ctx, const char* name, DecodeAhead& ahead, int64_t total,
                 metrics::ScopedStage& stage, RunBatch run_batch) {
  metrics::StageStats& stats = stage.stats();
  const metrics::Clock* clock = ctx.options.clock;
  int64_t done = 0;
  while (!ahead.done()) {
    if (ctx.interrupted()) return Status::Interrupted("build interrupted");
    const int64_t wait_start = clock->NowMicros();
    DecodedBatch current = ahead.Next();
    stats.decode_wait_seconds += Since(clock, wait_start);
    stats.decode_cpu_seconds += current.decode_cpu_seconds;
    PHOTOIDX_RETURN_IF_ERROR(ctx.store.Begin());
    Status st = run_batch(current);
    for (auto& [item, reason] : current.failures) {
      if (st.ok()) st = ctx.Fail(item->path, item->size, item->mtime_ns, item->sha256, name, reason);
      stage.AddFailed();
    }
    PHOTOIDX_RETURN_IF_ERROR(ctx.store.Commit());
    PHOTOIDX_RETURN_IF_ERROR(st);
    done += int64_t(current.items.size() + current.failures.size());
    if (ctx.options.progress) ctx.options.progress({name, done, total});
  }
  return Status::OK();
}

// Starts decoding at the side the spec announces, before the model loads;
// `Restart` replaces it when the loaded model wants another side.
std::unique_ptr<DecodeAhead> StartDecoding(RunContext& ctx,
                                           const std::vector<const PendingItem*>& pending,
                                           int side) {
  if (side <= 0 || pending.empty()) return nullptr;
  const size_t bs = size_t(std::max(1, ctx.options.batch_size));
  return std::make_unique<DecodeAhead>(ctx, pending, bs, side);
}

void EnsureDecoding(RunContext& ctx, const std::vector<const PendingItem*>& pending, int side,
                    std::unique_ptr<DecodeAhead>* ahead) {
  if (*ahead != nullptr && (*ahead)->min_side() == side) return;
  ahead->reset();  // joins the decodes at the wrong side first
  *ahead = StartDecoding(ctx, pending, side);
}

// A model that cannot be loaded is a configuration error of the whole run
// (InvalidArgument, exit code 2), never a per-file failure.
template <typename Load>
auto LoadModel(const Load& load, const std::string& name, metrics::ScopedStage& stage,
               const metrics::Clock* clock) -> decltype(load()) {
  const int64_t start = clock->NowMicros();
  auto model = load();
  stage.stats().load_seconds += Since(clock, start);
  if (!model.ok()) {
    return Status::InvalidArgument("cannot load model " + name, model.status().ToString());
  }
  return model;
}

// After a model is destroyed: the accelerator's cached blocks and the
// heap's free pages go back, so the next stage starts from what it needs.
void ReleaseModelMemory(RunContext& ctx) {
  if (ctx.options.release_accelerator_cache) ctx.options.release_accelerator_cache();
  metrics::ReturnFreeMemoryToOs();
}

std::vector<const image::Image*> Pointers(const DecodedBatch& b) {
  std::vector<const image::Image*> out;
  for (const auto& img : b.images) out.push_back(&img);
  return out;
}

}  // namespace

Status RunEmbedStage(RunContext& ctx, const std::vector<PendingItem>& contents) {
  const EmbedStageSpec& spec = *ctx.options.embed;
  PHOTOIDX_ASSIGN_OR_RETURN(
      auto done, ctx.store.ContentsWithResults(spec.fingerprint, index::ResultKind::kEmbedding));
  std::vector<const PendingItem*> pending;
  for (const auto& c : contents) {
    if (done.count(c.sha256) > 0) {
      ++ctx.summary.embeddings_reused;
    } else {
      pending.push_back(&c);
    }
  }
  metrics::StageStats stats;
  Status st;
  {
    metrics::ScopedStage stage("embed", &stats, ctx.options.clock, /*reset_peak=*/true);
    if (!pending.empty()) {
      std::unique_ptr<DecodeAhead> ahead = StartDecoding(ctx, pending, spec.decode_side);
      PHOTOIDX_ASSIGN_OR_RETURN(std::unique_ptr<models::ImageEmbedder> model,
                                LoadModel(spec.load, spec.name, stage, ctx.options.clock));
      const models::ModelInfo info = model->info();
      PHOTOIDX_RETURN_IF_ERROR(ctx.store.RegisterModel(spec.fingerprint, spec.name, "clip", info.dim));
      auto run_batch = [&](DecodedBatch& batch) -> Status {
        auto ptrs = Pointers(batch);
        auto process = [&](std::span<const image::Image* const> imgs, size_t off) -> Status {
          const int64_t start = ctx.options.clock->NowMicros();
          auto embedded = model->EmbedImages(imgs);
          stage.stats().model_seconds += Since(ctx.options.clock, start);
          PHOTOIDX_ASSIGN_OR_RETURN(std::vector<float> emb, std::move(embedded));
          for (size_t i = 0; i < imgs.size(); ++i) {
            PHOTOIDX_RETURN_IF_ERROR(ctx.store.PutEmbedding(
                batch.items[off + i]->sha256, spec.fingerprint, emb.data() + i * info.dim, info.dim));
          }
          stage.Add(int64_t(imgs.size()));
          ctx.summary.embedded += int64_t(imgs.size());
          return Status::OK();
        };
        auto on_fail = [&](size_t off, const Status& why) {
          stage.AddFailed();
          const PendingItem* it = batch.items[off];
          return ctx.Fail(it->path, it->size, it->mtime_ns, it->sha256, "embed", why);
        };
        return ProcessHalving(std::span<const image::Image* const>(ptrs), 0, process, on_fail);
      };
      EnsureDecoding(ctx, pending, model->input_side(), &ahead);
      st = BatchLoop(ctx, "embed", *ahead, int64_t(pending.size()), stage, run_batch);
    }  // the model is destroyed here, before the cache is released
    if (!pending.empty()) ReleaseModelMemory(ctx);
  }
  ctx.AddStage(stats);
  return st;
}

Status RunCaptionStage(RunContext& ctx, const std::vector<PendingItem>& contents) {
  const CaptionStageSpec& spec = *ctx.options.caption;
  PHOTOIDX_ASSIGN_OR_RETURN(
      auto done, ctx.store.ContentsWithResults(spec.fingerprint, index::ResultKind::kCaption));
  std::vector<const PendingItem*> pending;
  for (const auto& c : contents) {
    if (done.count(c.sha256) > 0) {
      ++ctx.summary.captions_reused;
    } else {
      pending.push_back(&c);
    }
  }
  metrics::StageStats stats;
  Status st;
  {
    metrics::ScopedStage stage("caption", &stats, ctx.options.clock, /*reset_peak=*/true);
    if (!pending.empty()) {
      std::unique_ptr<DecodeAhead> ahead = StartDecoding(ctx, pending, spec.decode_side);
      PHOTOIDX_ASSIGN_OR_RETURN(std::unique_ptr<models::Captioner> model,
                                LoadModel(spec.load, spec.name, stage, ctx.options.clock));
      PHOTOIDX_RETURN_IF_ERROR(ctx.store.RegisterModel(spec.fingerprint, spec.name, "blip", 0));
      auto run_batch = [&](DecodedBatch& batch) -> Status {
        auto ptrs = Pointers(batch);
        auto process = [&](std::span<const image::Image* const> imgs, size_t off) -> Status {
          const int64_t start = ctx.options.clock->NowMicros();
          auto captioned = model->CaptionImages(imgs, spec.options);
          stage.stats().model_seconds += Since(ctx.options.clock, start);
          PHOTOIDX_ASSIGN_OR_RETURN(auto caps, std::move(captioned));
          for (size_t i = 0; i < imgs.size(); ++i) {
            PHOTOIDX_RETURN_IF_ERROR(
                ctx.store.PutCaption(batch.items[off + i]->sha256, spec.fingerprint, caps[i].text));
          }
          stage.Add(int64_t(imgs.size()));
          ctx.summary.captioned += int64_t(imgs.size());
          return Status::OK();
        };
        auto on_fail = [&](size_t off, const Status& why) {
          stage.AddFailed();
          const PendingItem* it = batch.items[off];
          return ctx.Fail(it->path, it->size, it->mtime_ns, it->sha256, "caption", why);
        };
        return ProcessHalving(std::span<const image::Image* const>(ptrs), 0, process, on_fail);
      };
      EnsureDecoding(ctx, pending, model->input_side(), &ahead);
      st = BatchLoop(ctx, "caption", *ahead, int64_t(pending.size()), stage, run_batch);
    }
    if (!pending.empty()) ReleaseModelMemory(ctx);
  }
  ctx.AddStage(stats);
  return st;
}

}  // namespace photoidx::pipeline::internal
