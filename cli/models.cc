#include "cli/models.h"

#include <CLI/CLI.hpp>
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/progress.h"
#include "core/metrics/memory.h"
#include "core/models/hf/fingerprint.h"
#include "core/models/hf/hub.h"
#include "core/models/hf/preprocessor_config.h"
#include "core/models/plugin/plugin_api.h"
#include "core/models/preprocess/preprocess.h"
#if PHOTOIDX_HAVE_CURL
#include "core/models/download/curl_downloader.h"
#endif

namespace photoidx::cli {
namespace {

Result<models::ModelOptions> ToOptions(const std::string& dir, const ModelFlags& f) {
  models::ModelOptions o;
  o.model = dir;
  o.threads = f.threads;
  if (f.device == "cpu") o.device = models::Device::kCpu;
  else if (f.device == "cuda") o.device = models::Device::kCuda;
  else if (f.device != "auto") return Status::InvalidArgument("--device", f.device);
  if (f.dtype == "fp32") o.dtype = models::DType::kFp32;
  else if (f.dtype == "bf16") o.dtype = models::DType::kBf16;
  else if (f.dtype == "fp16") o.dtype = models::DType::kFp16;
  else if (f.dtype != "auto") return Status::InvalidArgument("--dtype", f.dtype);
  return o;
}

std::string FingerprintCachePath() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/photoidx/fingerprints.json";
  if (home != nullptr && *home != '\0') return std::string(home) + "/.cache/photoidx/fingerprints.json";
  return {};
}

// $PHOTOIDX_MODELS_PLUGIN, else libphotoidx_models.so next to the binary.
std::string PluginPath() {
  if (const char* env = std::getenv("PHOTOIDX_MODELS_PLUGIN"); env != nullptr && *env != '\0') {
    return env;
  }
  std::string exe(4096, '\0');
  ssize_t n = ::readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  if (n <= 0) return models::kPluginFile;
  exe.resize(size_t(n));
  return exe.substr(0, exe.rfind('/') + 1) + models::kPluginFile;
}

std::atomic<const models::PluginApi*> g_loaded{nullptr};

// The files the loaders read: `required` must be in a model folder (and are
// what a download must get); `optional` are read when present. The weights
// come last, so a repository that lacks a small file fails before the big one
// is fetched.
struct ModelFiles {
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

const ModelFiles& ClipFiles() {  // both towers: build embeds images, search embeds text
  static const ModelFiles kFiles = {
      {"config.json", "preprocessor_config.json", "vocab.json", "merges.txt", "model.safetensors"},
      {"tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"}};
  return kFiles;
}

const ModelFiles& BlipFiles() {
  static const ModelFiles kFiles = {
      {"config.json", "preprocessor_config.json", "vocab.txt", "model.safetensors"},
      {"tokenizer_config.json", "special_tokens_map.json", "added_tokens.json"}};
  return kFiles;
}

#if PHOTOIDX_HAVE_CURL
std::string HumanBytes(int64_t n) {
  char buf[32];
  if (n >= (int64_t(1) << 20)) std::snprintf(buf, sizeof(buf), "%.1f MiB", double(n) / (1 << 20));
  else std::snprintf(buf, sizeof(buf), "%.1f KiB", double(n) / 1024);
  return buf;
}

// Downloads missing hub models: a progress bar on a terminal, and one line
// on stderr per file fetched.
Result<std::string> ResolveWithDownload(const std::string& name, const models::hf::HubOptions& hub,
                                        const ModelFiles& files) {
  ProgressBar bar(StderrIsTerminal());
  models::download::CurlDownloaderOptions options;
  options.progress = [&](const std::string& file, int64_t done, int64_t total) {
    bar.Update(file.c_str(), done, total);
    if (done != total) return;
    bar.Clear();
    std::fprintf(stderr, "photoidx: downloaded %s %s (%s) into %s\n", name.c_str(), file.c_str(),
                 HumanBytes(done).c_str(), hub.hub_cache.c_str());
  };
  models::download::CurlDownloader downloader(options);
  models::hf::HubOptions with = hub;
  with.downloader = &downloader;
  return models::hf::ResolveModelDir(name, with, files.required, files.optional);
}
#endif

// A folder, or a hub id in the cache; downloaded when missing unless
// HF_HUB_OFFLINE is set (or this build has no libcurl).
Result<std::string> ResolveFolder(const std::string& name, const ModelFiles& files) {
  const models::hf::HubOptions hub = models::hf::HubOptionsFromEnvironment();
#if PHOTOIDX_HAVE_CURL
  if (!hub.offline) return ResolveWithDownload(name, hub, files);
#endif
  return models::hf::ResolveModelDir(name, hub, files.required, files.optional);
}

Result<ResolvedModel> ResolveModel(const std::string& name, const ModelFlags& flags,
                                   const ModelFiles& files) {
  ResolvedModel m;
  m.name = name;
  PHOTOIDX_ASSIGN_OR_RETURN(m.dir, ResolveFolder(name, files));
  PHOTOIDX_ASSIGN_OR_RETURN(m.fingerprint,
                            models::hf::ModelFingerprint(m.dir, {FingerprintCachePath()}));
  PHOTOIDX_ASSIGN_OR_RETURN(m.options, ToOptions(m.dir, flags));
  auto pre = models::hf::LoadPreprocessorConfig(m.dir);
  if (pre.ok()) m.decode_side = models::preprocess::DecodeSide(*pre);
  return m;
}

// Loads the plugin once (libtorch and all) and keeps it for the process.
Result<const models::PluginApi*> Plugin() {
  static std::once_flag once;
  static const models::PluginApi* api = nullptr;
  static std::string error;
  std::call_once(once, [] {
    const std::string path = PluginPath();
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      error = "model support is not available: cannot load " + path + " (" + ::dlerror() +
              "); was photoidx built with PHOTOIDX_WITH_TORCH=ON?";
      return;
    }
    auto entry = reinterpret_cast<models::PluginEntryFn>(::dlsym(handle, models::kPluginEntry));
    if (entry == nullptr || entry()->version != models::kPluginVersion) {
      error = path + " is not a photoidx model plugin of this version";
      return;
    }
    api = entry();
    g_loaded = api;
    metrics::KeepFreedMemoryForReuse();  // models run next
  });
  if (api == nullptr) return Status::NotSupported(error);
  return api;
}

}  // namespace

void AddDeviceFlags(CLI::App& cmd, ModelFlags& f) {
  cmd.add_option("--device", f.device, "Where models run: auto (CUDA when available), cpu, cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  cmd.add_option("--dtype", f.dtype,
                 "Model precision: auto (fp16 on CUDA, bf16 on CPUs with native bf16, else "
                 "fp32), fp32 (exact), bf16, fp16 (CUDA only)")
      ->check(CLI::IsMember({"auto", "fp32", "bf16", "fp16"}));
  cmd.add_option("--model-threads", f.threads,
                 "CPU threads for the models (0 = all cores; a text query in search uses 1 "
                 "unless this is set)")
      ->check(CLI::NonNegativeNumber);
}

// Resolution and fingerprints are torch-free: a no-op rebuild never loads
// the plugin. (The loaders check every tensor when the stage starts.)
Result<ResolvedModel> ResolveClip(const std::string& name, const ModelFlags& flags, bool) {
  return ResolveModel(name, flags, ClipFiles());
}

Result<ResolvedModel> ResolveBlip(const std::string& name, const ModelFlags& flags) {
  return ResolveModel(name, flags, BlipFiles());
}

Result<std::unique_ptr<models::ImageEmbedder>> LoadImageEmbedder(const ResolvedModel& m) {
  PHOTOIDX_ASSIGN_OR_RETURN(const models::PluginApi* api, Plugin());
  return api->load_image_embedder(m.options, FingerprintCachePath());
}

Result<std::unique_ptr<models::TextEmbedder>> LoadTextEmbedder(const ResolvedModel& m) {
  PHOTOIDX_ASSIGN_OR_RETURN(const models::PluginApi* api, Plugin());
  return api->load_text_embedder(m.options, FingerprintCachePath());
}

Result<std::unique_ptr<models::Captioner>> LoadCaptioner(const ResolvedModel& m) {
  PHOTOIDX_ASSIGN_OR_RETURN(const models::PluginApi* api, Plugin());
  return api->load_captioner(m.options, FingerprintCachePath());
}

std::function<void()> InstallAcceleratorHooks() {
  // Probing memory must not load libtorch: only ask once the plugin is in.
  metrics::SetAcceleratorProbe([] {
    const models::PluginApi* api = g_loaded.load();
    if (api == nullptr) return metrics::AcceleratorMemory{};
    models::PluginMemory m = api->query_memory();
    return metrics::AcceleratorMemory{m.available, m.allocated, m.reserved, m.peak};
  });
  return [] {
    const models::PluginApi* api = g_loaded.load();
    if (api == nullptr) return;
    api->release_cache();
    api->reset_peak();
  };
}

}  // namespace photoidx::cli
