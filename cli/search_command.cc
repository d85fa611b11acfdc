// photoidx search "query": rank the index's photos against a text (CLIP
// text tower only) or an image (--image, vision tower), or by caption words.
//
// A text query runs the torch-free text tower (core/models/clip_cpu) in this
// process: libtorch is never loaded for it, which is what keeps a cold text
// search under half a second (issue 4 item 10). It is float32, the parity
// path, whatever --device/--dtype say; the weights are the same files the
// fingerprint was computed from. Image queries load the model plugin.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/models.h"
#include "core/base/strings.h"
#include "core/fs/file_system.h"
#include "core/index/index_store.h"
#include "core/index/vector_file.h"
#include "core/models/clip_cpu/clip_text_cpu.h"
#include "core/search/search.h"

namespace photoidx::cli {
namespace {

struct SearchFlags {
  std::string query;
  std::string image;
  int top_k = 10;
  std::optional<float> min_score;
  bool json = false, ndjson = false, paths = false, nul = false;
  bool clip_given = false;
  ModelFlags models;
  search::SearchOptions filters;
};

// The CLIP model to search with: --clip-model when given, else the only CLIP
// model in the index. Exit code 4 when the index has none.
Result<index::ModelRow> PickModel(index::IndexStore& store, const SearchFlags& f,
                                  const std::string& fingerprint) {
  PHOTOIDX_ASSIGN_OR_RETURN(auto rows, store.ListModels("clip"));
  if (!fingerprint.empty()) {
    for (const auto& r : rows) {
      if (r.fingerprint == fingerprint) return r;
    }
    return Status::NotFound("the index has no embeddings for model " + f.models.clip_model);
  }
  if (rows.empty()) return Status::NotFound("the index has no CLIP embeddings yet: run photoidx build");
  if (rows.size() > 1) {
    std::string names;
    for (const auto& r : rows) names += " " + r.name;
    return Status::InvalidArgument("the index holds several CLIP models (" + names.substr(1) +
                                   "): pick one with --clip-model");
  }
  return rows[0];
}

Result<std::vector<float>> EmbedQuery(const SearchFlags& f, const ResolvedModel& m) {
  if (!f.image.empty()) {
    PHOTOIDX_ASSIGN_OR_RETURN(auto model, LoadImageEmbedder(m));
    image::DecodeOptions opts;
    opts.min_side = model->input_side();
    PHOTOIDX_ASSIGN_OR_RETURN(auto decoded, image::DecodeFile(f.image, opts));
    const image::Image* img = &decoded.image;
    return model->EmbedImages(std::span<const image::Image* const>(&img, 1));
  }
  models::ModelInfo info{.name = m.name, .fingerprint = m.fingerprint, .dim = 0};
  // One BLAS thread unless --model-threads says otherwise: a query is a
  // handful of rows, memory-bound (ViT-B/32: ~30-60 ms on one core, ~37 on
  // two when idle), and OpenMP threads that must meet at every matmul slow
  // it 10x or more when another process (a running build) holds a core.
  const int threads = m.options.threads > 0 ? m.options.threads : 1;
  PHOTOIDX_ASSIGN_OR_RETURN(auto model, models::clip_cpu::LoadClipTextCpu(m.dir, info, threads));
  std::vector<std::string> texts = {f.query};
  return model->EmbedTexts(texts);
}

nlohmann::json HitJson(const search::SearchHit& h) {
  nlohmann::json j;
  j["rank"] = h.rank;
  j["score"] = h.score ? nlohmann::json(*h.score) : nlohmann::json(nullptr);
  SetPath(j, h.path);
  j["caption"] = h.photo.caption ? nlohmann::json(LossyUtf8(*h.photo.caption)) : nlohmann::json(nullptr);
  j["sha256"] = h.photo.sha256;
  PutMetadata(j, h.photo.metadata);
  return j;
}

void PrintTable(const std::vector<search::SearchHit>& hits) {
  if (hits.empty()) {
    std::fprintf(stderr, "no results\n");
    return;
  }
  std::printf("%4s  %6s  %s\n", "rank", "score", "path");
  for (const auto& h : hits) {
    std::string score = h.score ? std::to_string(*h.score).substr(0, 6) : "-";
    std::printf("%4d  %6s  %s", h.rank, score.c_str(), LossyUtf8(h.path).c_str());
    if (h.photo.caption) std::printf("  (%s)", LossyUtf8(*h.photo.caption).c_str());
    std::printf("\n");
  }
}

void Print(const SearchFlags& f, const std::string& model, const std::vector<search::SearchHit>& hits) {
  if (f.paths) {
    for (const auto& h : hits) {
      std::fwrite(h.path.data(), 1, h.path.size(), stdout);
      std::fputc(f.nul ? '\0' : '\n', stdout);
    }
  } else if (f.ndjson) {
    for (const auto& h : hits) std::printf("%s\n", Dump(HitJson(h)).c_str());
  } else if (f.json) {
    nlohmann::json j;
    j["query"] = f.image.empty() ? nlohmann::json(LossyUtf8(f.query)) : nlohmann::json(nullptr);
    if (!f.image.empty()) SetPath(j, f.image, "image");
    j["model"] = model;
    j["results"] = nlohmann::json::array();
    for (const auto& h : hits) j["results"].push_back(HitJson(h));
    std::printf("%s\n", Dump(j, 2).c_str());
  } else {
    PrintTable(hits);
  }
}

int RunSearch(SearchFlags& f, const GlobalOptions& g) {
  if (f.query.empty() && f.image.empty() && f.filters.caption_words.empty()) {
    PrintError("give a text query, --image FILE, or --caption WORDS");
    return kExitUsage;
  }
  const std::string index_path = ResolveIndexPath(g.index);
  index::OpenOptions oo;
  oo.create = false;
  auto store = index::IndexStore::Open(index_path, oo);
  if (!store.ok()) {
    PrintError("cannot open index " + index_path + ": " + store.status().ToString());
    return kExitUsage;
  }
  ResolvedModel m;
  if (f.clip_given || !f.query.empty() || !f.image.empty()) {
    // Resolve the user's model now: its fingerprint picks the embeddings.
    std::string name = f.models.clip_model;
    if (!f.clip_given) {
      auto row = PickModel(**store, f, "");
      if (!row.ok()) {
        PrintError(row.status().message());
        return row.status().IsNotFound() ? kExitNoEmbeddings : kExitUsage;
      }
      name = row->name;
    }
    auto resolved = ResolveClip(name, f.models, /*text_only=*/f.image.empty());
    if (!resolved.ok()) {
      PrintError(resolved.status().ToString());
      return kExitUsage;
    }
    m = *resolved;
    auto row = PickModel(**store, f, m.fingerprint);
    if (!row.ok()) {
      PrintError(row.status().message());
      return kExitNoEmbeddings;
    }
  }
  // Captions shown are those of the most recent BLIP model in the index.
  auto blips = (*store)->ListModels("blip");
  if (blips.ok() && !blips->empty()) f.filters.caption_model = blips->back().fingerprint;
  f.filters.top_k = f.top_k;
  f.filters.min_score = f.min_score;
  if (!f.filters.folder.empty()) f.filters.folder = fs::AbsolutePath(f.filters.folder);
  Result<std::vector<search::SearchHit>> hits = std::vector<search::SearchHit>{};
  if (m.fingerprint.empty()) {
    hits = search::SearchByCaption(**store, f.filters);
  } else {
    // The mmapped vector file when it is current (written by the last
    // build or gc); else the embeddings are read from the index. Opened
    // first: the kernel reads it in while the query is embedded.
    auto vectors = index::OpenCurrentVectorFile(
        **store, m.fingerprint, index::VectorFilePath(index_path, m.fingerprint));
    auto query = EmbedQuery(f, m);
    if (!query.ok()) {
      PrintError(query.status().ToString());
      return ExitCodeFor(query.status());
    }
    hits = search::SearchByEmbedding(**store, m.fingerprint, *query, f.filters, vectors.get());
  }
  if (!hits.ok()) {
    PrintError(hits.status().ToString());
    return kExitFailure;
  }
  Print(f, m.fingerprint, *hits);
  return kExitOk;
}

}  // namespace

CommandFn AddSearchCommand(CLI::App& app, const GlobalOptions& global) {
  auto f = std::make_shared<SearchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "search",
      "Find photos in the index: by a text query (\"kids on the beach at sunset\"), by a\n"
      "similar photo (--image FILE), or by words in their captions (--caption WORDS;\n"
      "with a query too, the caption matches are ranked by the query). Only the CLIP\n"
      "text tower is loaded for a text query.\n"
      "Output: a table on a terminal; --json, --ndjson or --paths (-0) for scripts.");
  cmd->add_option("query", f->query, "What to look for, in words");
  cmd->add_option("--image", f->image, "Find photos like this one")->check(CLI::ExistingFile);
  cmd->add_option("-k,--top-k", f->top_k, "How many results")->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--min-score", f->min_score, "Drop results below this cosine similarity");
  auto* json = cmd->add_flag("--json", f->json, "One JSON object: query, model, results");
  auto* ndjson = cmd->add_flag("--ndjson", f->ndjson, "One JSON result per line");
  auto* paths = cmd->add_flag("--paths", f->paths, "One path per line");
  json->excludes(ndjson)->excludes(paths);
  ndjson->excludes(paths);
  cmd->add_flag("-0,--null", f->nul, "With --paths: separate paths with NUL bytes")->needs(paths);
  cmd->add_option("--clip-model", f->models.clip_model,
                  "CLIP model to search with (default: the one in the index)")
      ->each([f](const std::string&) { f->clip_given = true; });
  cmd->add_option("--folder", f->filters.folder, "Only photos under this folder");
  cmd->add_option("--from", f->filters.date_from, "Only photos taken on or after YYYY-MM-DD");
  cmd->add_option("--to", f->filters.date_to, "Only photos taken on or before YYYY-MM-DD");
  cmd->add_option("--camera", f->filters.camera, "Only photos whose camera make/model contains TEXT");
  cmd->add_option("--caption", f->filters.caption_words, "Only photos whose caption has all these words");
  AddDeviceFlags(*cmd, f->models);
  return [f, &global] { return RunSearch(*f, global); };
}

}  // namespace photoidx::cli
