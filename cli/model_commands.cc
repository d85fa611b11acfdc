// photoidx embed / photoidx caption: run a model on files or texts directly,
// without an index. NDJSON on stdout, one object per input in input order; a
// bad input gets an "error" field and the others still come out.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <optional>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/models.h"
#include "core/base/strings.h"

namespace photoidx::cli {
namespace {

struct EmbedFlags {
  std::string model = kDefaultClipModel;
  std::vector<std::string> texts;
  std::vector<std::string> files;
  ModelFlags models;
};

struct CaptionFlags {
  std::string model = kDefaultBlipModel;
  std::vector<std::string> files;
  models::CaptionOptions options;
  ModelFlags models;
};

void EmitError(nlohmann::json j, const Status& st, int* failed) {
  j["error"] = st.ToString();
  std::fprintf(stderr, "warn %s\n", st.ToString().c_str());
  std::printf("%s\n", Dump(j).c_str());
  ++*failed;
}

// Decodes `path` at a model's input side; on failure emits `j` with the
// error (one line on stdout, one on stderr) and returns nothing.
std::optional<image::Decoded> DecodeOrEmit(const std::string& path, int side,
                                           const nlohmann::json& j, int* failed) {
  image::DecodeOptions opts;
  opts.min_side = side;
  auto decoded = image::DecodeFile(path, opts);
  if (!decoded.ok()) {
    EmitError(j, decoded.status(), failed);
    return std::nullopt;
  }
  return std::move(*decoded);
}

int RunEmbed(const EmbedFlags& f) {
  auto m = ResolveClip(f.model, f.models, /*text_only=*/f.files.empty());
  if (!m.ok()) {
    PrintError(m.status().ToString());
    return kExitUsage;
  }
  int failed = 0;
  if (!f.texts.empty()) {
    auto model = LoadTextEmbedder(*m);
    if (!model.ok()) {
      PrintError(model.status().ToString());
      return ExitCodeFor(model.status());
    }
    auto emb = (*model)->EmbedTexts(f.texts);
    const int dim = (*model)->info().dim;
    for (size_t i = 0; i < f.texts.size(); ++i) {
      nlohmann::json j = {{"kind", "text"}, {"text", LossyUtf8(f.texts[i])}};
      if (!emb.ok()) {
        EmitError(j, emb.status(), &failed);
        continue;
      }
      j["tokens"] = (*model)->Tokenize(f.texts[i]);
      j["model"] = m->fingerprint;
      j["dim"] = dim;
      j["embedding"] = std::vector<float>(emb->begin() + long(i) * dim, emb->begin() + long(i + 1) * dim);
      std::printf("%s\n", Dump(j).c_str());
    }
  }
  if (!f.files.empty()) {
    auto model = LoadImageEmbedder(*m);
    if (!model.ok()) {
      PrintError(model.status().ToString());
      return ExitCodeFor(model.status());
    }
    for (const auto& path : f.files) {
      nlohmann::json j = {{"kind", "image"}};
      SetPath(j, path);
      auto decoded = DecodeOrEmit(path, (*model)->input_side(), j, &failed);
      if (!decoded) continue;
      const image::Image* img = &decoded->image;
      auto emb = (*model)->EmbedImages(std::span<const image::Image* const>(&img, 1));
      if (!emb.ok()) {
        EmitError(j, emb.status(), &failed);
        continue;
      }
      j["model"] = m->fingerprint;
      j["dim"] = (*model)->info().dim;
      j["embedding"] = *emb;
      std::printf("%s\n", Dump(j).c_str());
    }
  }
  return failed == 0 ? kExitOk : kExitFailure;
}

int RunCaption(const CaptionFlags& f) {
  auto m = ResolveBlip(f.model, f.models);
  if (!m.ok()) {
    PrintError(m.status().ToString());
    return kExitUsage;
  }
  auto model = LoadCaptioner(*m);
  if (!model.ok()) {
    PrintError(model.status().ToString());
    return ExitCodeFor(model.status());
  }
  int failed = 0;
  for (const auto& path : f.files) {
    nlohmann::json j;
    SetPath(j, path);
    auto decoded = DecodeOrEmit(path, (*model)->input_side(), j, &failed);
    if (!decoded) continue;
    const image::Image* img = &decoded->image;
    auto caps = (*model)->CaptionImages(std::span<const image::Image* const>(&img, 1), f.options);
    if (!caps.ok()) {
      EmitError(j, caps.status(), &failed);
      continue;
    }
    j["model"] = m->fingerprint;
    j["caption"] = LossyUtf8((*caps)[0].text);
    j["ids"] = (*caps)[0].ids;
    std::printf("%s\n", Dump(j).c_str());
  }
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace

CommandFn AddEmbedCommand(CLI::App& app, const GlobalOptions&) {
  auto f = std::make_shared<EmbedFlags>();
  CLI::App* cmd = app.add_subcommand(
      "embed",
      "Print CLIP embeddings of images and/or texts as NDJSON (no index needed): one\n"
      "object per input, texts first, in the order given; L2-normalised float32.");
  cmd->add_option("--model", f->model, "CLIP checkpoint folder or Hugging Face id")->capture_default_str();
  cmd->add_option("--text", f->texts, "A text to embed (repeatable)")->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("files", f->files, "Image files to embed");
  AddDeviceFlags(*cmd, f->models);
  return [f] {
    if (f->texts.empty() && f->files.empty()) {
      PrintError("embed: give image files and/or --text");
      return int(kExitUsage);
    }
    return RunEmbed(*f);
  };
}

CommandFn AddCaptionCommand(CLI::App& app, const GlobalOptions&) {
  auto f = std::make_shared<CaptionFlags>();
  CLI::App* cmd = app.add_subcommand(
      "caption",
      "Caption images with BLIP and print NDJSON (no index needed): one object per file\n"
      "with the caption and the token ids generate() returns. --max-length and\n"
      "--min-length count the prompt tokens, as transformers does.");
  cmd->add_option("--model", f->model, "BLIP checkpoint folder or Hugging Face id")->capture_default_str();
  cmd->add_option("--prompt", f->options.prompt, "Start every caption with this text (\"a picture of\")");
  cmd->add_option("--beams", f->options.num_beams, "Beam width (1 = greedy)")->check(CLI::Range(1, 16));
  cmd->add_option("--max-length", f->options.max_length, "Maximum length in tokens")
      ->check(CLI::Range(2, 512))->capture_default_str();
  cmd->add_option("--min-length", f->options.min_length, "Minimum length in tokens")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--length-penalty", f->options.length_penalty, "Beam length penalty (1.0 = neutral)");
  cmd->add_option("files", f->files, "Image files")->required();
  AddDeviceFlags(*cmd, f->models);
  return [f] { return RunCaption(*f); };
}

}  // namespace photoidx::cli
