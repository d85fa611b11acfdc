// photoidx embed / photoidx caption: run a model on files or texts directly,
// without an index. NDJSON on stdout, one object per input in input order; a
// bad input gets an "error" field and the others still come out.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/json_util.h"
#include "cli/models.h"
#include "core/base/parallel.h"
#include "core/base/strings.h"

namespace photoidx::cli {
namespace {

// Files per model call: as `build`'s --batch-size.
constexpr int kDefaultFileBatch = 32;

struct EmbedFlags {
  std::string model = kDefaultClipModel;
  std::vector<std::string> texts;
  std::vector<std::string> files;
  int batch_size = kDefaultFileBatch;
  ModelFlags models;
};

struct CaptionFlags {
  std::string model = kDefaultBlipModel;
  std::vector<std::string> files;
  models::CaptionOptions options;
  int batch_size = kDefaultFileBatch;
  ModelFlags models;
};

void EmitError(nlohmann::json j, const Status& st, int* failed) {
  j["error"] = st.ToString();
  std::fprintf(stderr, "warn %s\n", st.ToString().c_str());
  std::printf("%s\n", Dump(j).c_str());
  ++*failed;
}

// Runs one model call on decoded images; on success fills one JSON object per
// image (the fields the command adds to the file's path).
using RunImages = std::function<Status(std::span<const image::Image* const> images,
                                       std::vector<nlohmann::json>* outputs)>;

// Runs `files` through a model `batch` at a time: each batch decoded in
// parallel at the model's input side, its decodable files in one model call
// (one at a time when that call fails, so each file gets its own error), the
// objects printed in input order. Batching is where the speed is: BLIP-base
// on 2 CPU cores captions 1.4x faster per image at batch 8 than one by one,
// a GPU 20x faster at 32.
void RunOnFiles(const std::vector<std::string>& files, int side, int batch, const nlohmann::json& base,
                const RunImages& run, int* failed) {
  image::DecodeOptions opts;
  opts.min_side = side;
  for (size_t start = 0; start < files.size(); start += size_t(batch)) {
    const size_t n = std::min(files.size() - start, size_t(batch));
    std::vector<Result<image::Decoded>> decoded(n, Status::Aborted("not decoded"));
    ParallelFor(n, DefaultThreads(), [&](size_t i) { decoded[i] = image::DecodeFile(files[start + i], opts); });
    std::vector<const image::Image*> images;
    for (auto& d : decoded) {
      if (d.ok()) images.push_back(&d->image);
    }
    std::vector<nlohmann::json> outputs;
    std::vector<Status> errors(images.size());
    Status batch_status = images.empty() ? Status::OK() : run(images, &outputs);
    if (batch_status.ok() && outputs.size() != images.size()) {
      batch_status = Status::Aborted("model", "returned " + std::to_string(outputs.size()) +
                                                   " results for " + std::to_string(images.size()) +
                                                   " images");
    }
    if (!batch_status.ok()) {
      outputs.assign(images.size(), nlohmann::json());
      for (size_t k = 0; k < images.size(); ++k) {
        std::vector<nlohmann::json> one;
        errors[k] = run(std::span<const image::Image* const>(&images[k], 1), &one);
        if (errors[k].ok() && one.size() == 1) outputs[k] = std::move(one[0]);
      }
    }
    for (size_t i = 0, k = 0; i < n; ++i) {
      nlohmann::json j = base;
      SetPath(j, files[start + i]);
      if (!decoded[i].ok()) {
        EmitError(j, decoded[i].status(), failed);
        continue;
      }
      if (!errors[k].ok()) {
        EmitError(j, errors[k], failed);
        ++k;
        continue;
      }
      j.update(outputs[k++]);
      std::printf("%s\n", Dump(j).c_str());
    }
    std::fflush(stdout);
  }
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
    const int dim = (*model)->info().dim;
    RunOnFiles(f.files, (*model)->input_side(), f.batch_size, {{"kind", "image"}},
               [&](std::span<const image::Image* const> images, std::vector<nlohmann::json>* out) {
                 PHOTOIDX_ASSIGN_OR_RETURN(std::vector<float> emb, (*model)->EmbedImages(images));
                 if (emb.size() != images.size() * size_t(dim)) {
                   return Status::Aborted("embed", "the model returned " + std::to_string(emb.size()) +
                                                       " floats for " + std::to_string(images.size()) +
                                                       " images");
                 }
                 for (size_t i = 0; i < images.size(); ++i) {
                   out->push_back({{"model", m->fingerprint},
                                   {"dim", dim},
                                   {"embedding", std::vector<float>(emb.begin() + long(i) * dim,
                                                                    emb.begin() + long(i + 1) * dim)}});
                 }
                 return Status::OK();
               },
               &failed);
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
  RunOnFiles(f.files, (*model)->input_side(), f.batch_size, nlohmann::json::object(),
             [&](std::span<const image::Image* const> images, std::vector<nlohmann::json>* out) {
               PHOTOIDX_ASSIGN_OR_RETURN(std::vector<models::Caption> caps,
                                         (*model)->CaptionImages(images, f.options));
               for (const models::Caption& c : caps) {
                 out->push_back({{"model", m->fingerprint},
                                 {"caption", LossyUtf8(c.text)},
                                 {"ids", c.ids}});
               }
               return Status::OK();
             },
             &failed);
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace

CommandFn AddEmbedCommand(CLI::App& app, const GlobalOptions&) {
  auto f = std::make_shared<EmbedFlags>();
  CLI::App* cmd = app.add_subcommand(
      "embed",
      "Print CLIP embeddings of images and/or texts as NDJSON (no index needed): one\n"
      "object per input, texts first, in the order given; L2-normalised float32.\n"
      "Examples:\n"
      "  photoidx embed --text \"a red car\" photo.jpg\n"
      "  photoidx embed *.jpg | jq -c '{path, embedding}'");
  cmd->add_option("--model", f->model, "CLIP checkpoint folder or Hugging Face id")->capture_default_str();
  cmd->add_option("--text", f->texts, "A text to embed (repeatable)")->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("files", f->files, "Image files to embed");
  cmd->add_option("--batch-size", f->batch_size, "Images per model call (decoded in parallel)")
      ->check(CLI::Range(1, 4096))->capture_default_str();
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
      "with the caption and the token ids generate() returns, in input order. --max-length\n"
      "and --min-length count the prompt tokens, as transformers does.\n"
      "Examples:\n"
      "  photoidx caption photo.jpg\n"
      "  photoidx caption --beams 3 --prompt \"a picture of\" *.jpg | jq -r .caption");
  cmd->add_option("--model", f->model, "BLIP checkpoint folder or Hugging Face id")->capture_default_str();
  cmd->add_option("--prompt", f->options.prompt, "Start every caption with this text (\"a picture of\")");
  cmd->add_option("--beams", f->options.num_beams, "Beam width (1 = greedy)")->check(CLI::Range(1, 16));
  cmd->add_option("--max-length", f->options.max_length, "Maximum length in tokens")
      ->check(CLI::Range(2, 512))->capture_default_str();
  cmd->add_option("--min-length", f->options.min_length, "Minimum length in tokens")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--length-penalty", f->options.length_penalty, "Beam length penalty (1.0 = neutral)");
  cmd->add_option("files", f->files, "Image files")->required();
  cmd->add_option("--batch-size", f->batch_size, "Images per model call (decoded in parallel)")
      ->check(CLI::Range(1, 4096))->capture_default_str();
  AddDeviceFlags(*cmd, f->models);
  return [f] { return RunCaption(*f); };
}

}  // namespace photoidx::cli
