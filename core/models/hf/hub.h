// Model folders: a local directory, or a Hugging Face id found in the local
// Hugging Face cache (the layout huggingface_hub writes):
//
//   <hub_cache>/models--<org>--<name>/refs/<revision>        (holds a commit hash)
//   <hub_cache>/models--<org>--<name>/snapshots/<commit>/     (the files, usually
//                                                            symlinks into ../../blobs)
//
// Downloading is behind the Downloader interface (libcurl's in
// core/models/download); without one, or offline, a missing model gives a
// NotFound whose message says exactly which files to fetch and where to put
// them.
//
// core never reads the environment: the CLI calls HubOptionsFromEnvironment()
// and passes the result in.
// Thread safety: functions are reentrant; a Downloader must be safe to call
// from the thread that calls ResolveModelDir.
#ifndef PHOTOIDX_CORE_MODELS_HF_HUB_H_
#define PHOTOIDX_CORE_MODELS_HF_HUB_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace photoidx::models::hf {

struct HubOptions;

// The seam for fetching a model. Implementations write the hub cache layout
// above (blobs/, snapshots/<commit>/, refs/<revision>) so that the next
// ResolveModelDir finds the files without the network.
class Downloader {
 public:
  virtual ~Downloader() = default;
  // Fetches `files` (each one must exist: an error otherwise) and then
  // `optional_files` (skipped when the repository has no such file) of
  // `repo_id` at `revision`; returns the snapshot folder.
  virtual Result<std::string> Download(const std::string& repo_id, const std::string& revision,
                                       const std::vector<std::string>& files,
                                       const std::vector<std::string>& optional_files,
                                       const HubOptions& options) = 0;
};

struct HubOptions {
  // The hub cache folder: $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE (legacy),
  // else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
  // ~/.cache/huggingface/hub (huggingface_hub's constants.py order).
  std::string hub_cache;
  // HF_HUB_OFFLINE=1/true/yes/on: never download, even with a downloader.
  bool offline = false;
  // HF_ENDPOINT; used in messages and by downloaders.
  std::string endpoint = "https://huggingface.co";
  // HF_TOKEN; only for downloaders, never printed.
  std::string token;
  // Branch, tag or 40-hex commit to use; "main" as transformers does.
  std::string revision = "main";
  // Not owned; null = no downloading (the NotFound message explains what to fetch).
  Downloader* downloader = nullptr;
};

// Reads HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, HOME,
// HF_HUB_OFFLINE, HF_ENDPOINT, HF_TOKEN through `lookup` (nullopt = unset).
HubOptions HubOptionsFromVariables(
    const std::function<std::optional<std::string>(const char* name)>& lookup);
// The same from the process environment (getenv). For the CLI only.
HubOptions HubOptionsFromEnvironment();

// The files photoidx needs from a model repository by default.
inline const std::vector<std::string>& DefaultModelFiles() {
  static const std::vector<std::string> kFiles = {"config.json", "model.safetensors"};
  return kFiles;
}

// "openai/clip-vit-base-patch32" -> "models--openai--clip-vit-base-patch32".
std::string RepoFolderName(std::string_view repo_id);

// True when `s` could be a hub id ("org/name" or "name": letters, digits,
// '-', '_', '.'; no "..", no leading/trailing '-' or '.').
bool IsValidRepoId(std::string_view s);

// An existing directory is returned as is (files not checked here). A string
// that looks like a path ("/", "./", "~", more than one '/') but is not a
// directory gives NotFound. Otherwise it is a hub id: the snapshot of
// options.revision (refs/<revision>, else the only or newest snapshot) that
// holds every file of `required_files` is returned; if none does, the
// downloader is tried (unless offline) for `required_files` and
// `optional_files` (files a loader reads when present, e.g.
// tokenizer_config.json); then NotFound naming the files to download and the
// folder to put them in.
Result<std::string> ResolveModelDir(std::string_view name_or_path, const HubOptions& options,
                                    const std::vector<std::string>& required_files =
                                        DefaultModelFiles(),
                                    const std::vector<std::string>& optional_files = {});

}  // namespace photoidx::models::hf

#endif  // PHOTOIDX_CORE_MODELS_HF_HUB_H_
