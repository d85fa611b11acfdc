// photoidx export: everything the index knows, as NDJSON on stdout.
//
// One JSON object per present file, in byte order of path, written as the
// index is walked (a reader: no writer lock, and no list of all files in
// memory, so 100k photos cost what one does). Captions are keyed by the
// fingerprint of the captioning model, embeddings (--embeddings) by the
// fingerprint of the CLIP model; `photoidx stats --json` maps fingerprints to
// model names.
#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "core/base/strings.h"
#include "core/index/index_store.h"
#include "core/search/dupes.h"

namespace photoidx::cli {
namespace {

struct ExportFlags {
  bool embeddings = false;
  std::string clip_model;     // empty: every CLIP model
  std::string caption_model;  // empty: every captioning model
};

// The models to export for `kind`: the one `requested` names, else all.
Result<std::vector<index::ModelRow>> ExportModels(index::IndexStore& store, std::string_view kind,
                                                 const std::string& requested) {
  if (requested.empty()) return store.ListModels(kind);
  PHOTOIDX_ASSIGN_OR_RETURN(index::ModelRow row, search::PickModel(store, kind, requested));
  return std::vector<index::ModelRow>{row};
}

// A float array in the shortest form that reads back to the same float32
// (nlohmann would print the widened double: 17 digits a number).
void AppendFloats(std::string& out, const std::vector<float>& v) {
  out += '[';
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    if (!std::isfinite(v[i])) {
      out += "null";  // JSON has no NaN; never produced by a model, but stay valid
      continue;
    }
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v[i]);
    out.append(buf, ec == std::errc() ? end : buf);
  }
  out += ']';
}

// The JSON line of one file (without the trailing newline).
Result<std::string> FileLine(index::IndexStore& store, const index::PresentFile& f,
                             const std::vector<index::ModelRow>& captioners,
                             const std::vector<index::ModelRow>& embedders) {
  nlohmann::json j;
  SetPath(j, f.path);
  j["sha256"] = f.sha256;
  if (f.metadata) {
    j["size"] = f.size;
    PutMetadata(j, *f.metadata);
  } else {
    for (const char* k : {"size", "format", "width", "height", "orientation", "date_taken",
                          "make", "model", "lens", "gps"}) {
      j[k] = nullptr;
    }
  }
  j["captions"] = nlohmann::json::object();
  for (const index::ModelRow& m : captioners) {
    PHOTOIDX_ASSIGN_OR_RETURN(auto text, store.GetCaption(f.sha256, m.fingerprint));
    if (text) j["captions"][m.fingerprint] = LossyUtf8(*text);
  }
  std::string line = Dump(j);
  if (embedders.empty()) return line;
  // Spliced in by hand: see AppendFloats.
  line.pop_back();  // the closing brace
  line += ",\"embeddings\":{";
  bool first = true;
  for (const index::ModelRow& m : embedders) {
    PHOTOIDX_ASSIGN_OR_RETURN(auto vec, store.GetEmbedding(f.sha256, m.fingerprint));
    if (!vec) continue;
    if (!first) line += ',';
    first = false;
    line += JsonQuote(m.fingerprint) + ':';
    AppendFloats(line, *vec);
  }
  line += "}}";
  return line;
}

int RunExport(const ExportFlags& f, const GlobalOptions& g) {
  index::OpenOptions oo;
  oo.create = false;
  const std::string index_path = ResolveIndexPath(g.index);
  auto store = index::IndexStore::Open(index_path, oo);
  if (!store.ok()) {
    PrintError("cannot open index " + index_path + ": " + store.status().ToString());
    return kExitUsage;
  }
  auto captioners = ExportModels(**store, "blip", f.caption_model);
  std::vector<index::ModelRow> embedders;
  if (captioners.ok() && (f.embeddings || !f.clip_model.empty())) {
    auto rows = ExportModels(**store, "clip", f.clip_model);
    if (!rows.ok()) captioners = rows.status();
    else embedders = std::move(*rows);
  }
  if (!captioners.ok()) {
    PrintError(captioners.status().message());
    return kExitUsage;
  }
  if (!f.embeddings) embedders.clear();
  int64_t written = 0;
  Status st = (*store)->ScanPresentFiles([&](const index::PresentFile& file) -> Status {
    PHOTOIDX_ASSIGN_OR_RETURN(std::string line, FileLine(**store, file, *captioners, embedders));
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    ++written;
    return Status::OK();
  });
  std::fflush(stdout);
  if (!st.ok()) {
    PrintError(st.ToString());
    return kExitFailure;
  }
  if (!g.quiet) std::fprintf(stderr, "export: %lld files\n", static_cast<long long>(written));
  return kExitOk;
}

}  // namespace

CommandFn AddExportCommand(CLI::App& app, const GlobalOptions& global) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write everything the index knows as NDJSON on stdout: one object per present file,\n"
      "sorted by path, with path (and path_b64 for a name that is not UTF-8), sha256, size,\n"
      "format, width, height, orientation, date_taken, make, model, lens, gps (null when\n"
      "absent), captions {model fingerprint: text} and, with --embeddings, embeddings\n"
      "{model fingerprint: [floats]}. Streams; takes no lock (safe during a build).\n"
      "Examples:\n"
      "  photoidx export > photos.ndjson\n"
      "  photoidx export | jq -r 'select(.make == \"Canon\") | .path'\n"
      "  photoidx export --embeddings --clip-model openai/clip-vit-base-patch32 > vectors.ndjson");
  cmd->add_flag("--embeddings", f->embeddings, "Add the CLIP embeddings (float arrays)");
  cmd->add_option("--clip-model", f->clip_model,
                  "With --embeddings: only this CLIP model (name or fingerprint; default: all)");
  cmd->add_option("--caption-model", f->caption_model,
                  "Only captions of this model (name or fingerprint; default: all)");
  return [f, &global] { return RunExport(*f, global); };
}

}  // namespace photoidx::cli
