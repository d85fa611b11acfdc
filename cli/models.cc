#include "cli/models.h"

#include <CLI/CLI.hpp>

#include <cstdlib>

#include "core/metrics/memory.h"

#ifdef PHOTOIDX_WITH_TORCH
#include "core/models/blip/blip_model.h"
#include "core/models/clip/clip_model.h"
#include "core/models/hf/fingerprint.h"
#include "core/models/hf/hub.h"
#include "core/models/runtime.h"
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

#ifdef PHOTOIDX_WITH_TORCH
std::string FingerprintCachePath() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && *xdg != '\0') return std::string(xdg) + "/photoidx/fingerprints.json";
  if (home != nullptr && *home != '\0') return std::string(home) + "/.cache/photoidx/fingerprints.json";
  return {};
}

Result<ResolvedModel> Resolve(const std::string& name, const ModelFlags& flags,
                              const std::vector<std::string>& files) {
  ResolvedModel m;
  m.name = name;
  PHOTOIDX_ASSIGN_OR_RETURN(m.dir, models::hf::ResolveModelDir(
                                       name, models::hf::HubOptionsFromEnvironment(), files));
  PHOTOIDX_ASSIGN_OR_RETURN(m.fingerprint,
                            models::hf::ModelFingerprint(m.dir, {FingerprintCachePath()}));
  PHOTOIDX_ASSIGN_OR_RETURN(m.options, ToOptions(m.dir, flags));
  return m;
}
#endif

}  // namespace

void AddDeviceFlags(CLI::App& cmd, ModelFlags& f) {
  cmd.add_option("--device", f.device, "Where models run: auto (CUDA when available), cpu, cuda")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  cmd.add_option("--dtype", f.dtype,
                 "Model precision: auto (fp16 on CUDA, bf16 on CPUs with native bf16, else "
                 "fp32), fp32 (exact), bf16, fp16 (CUDA only)")
      ->check(CLI::IsMember({"auto", "fp32", "bf16", "fp16"}));
  cmd.add_option("--model-threads", f.threads, "CPU threads for the models (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
}

#ifdef PHOTOIDX_WITH_TORCH

Result<ResolvedModel> ResolveClip(const std::string& name, const ModelFlags& flags, bool text_only) {
  return Resolve(name, flags,
                 text_only ? models::clip::ClipTextModelFiles() : models::clip::ClipImageModelFiles());
}

Result<ResolvedModel> ResolveBlip(const std::string& name, const ModelFlags& flags) {
  return Resolve(name, flags, models::hf::DefaultModelFiles());
}

Result<std::unique_ptr<models::ImageEmbedder>> LoadImageEmbedder(const ResolvedModel& m) {
  models::clip::ClipLoadOptions load;
  load.fingerprint.cache_path = FingerprintCachePath();
  return models::clip::LoadClipImageEmbedder(m.options, load);
}

Result<std::unique_ptr<models::TextEmbedder>> LoadTextEmbedder(const ResolvedModel& m) {
  models::clip::ClipLoadOptions load;
  load.fingerprint.cache_path = FingerprintCachePath();
  return models::clip::LoadClipTextEmbedder(m.options, load);
}

Result<std::unique_ptr<models::Captioner>> LoadCaptioner(const ResolvedModel& m) {
  models::blip::BlipLoadOptions load;
  load.fingerprint.cache_path = FingerprintCachePath();
  return models::blip::LoadBlipCaptioner(m.options, load);
}

std::function<void()> InstallAcceleratorHooks() {
  metrics::SetAcceleratorProbe([] {
    models::AcceleratorMemory m = models::QueryAcceleratorMemory();
    return metrics::AcceleratorMemory{m.available, m.allocated, m.reserved, m.peak};
  });
  return [] {
    models::ReleaseAcceleratorCache();
    models::ResetAcceleratorPeak();
  };
}

#else  // !PHOTOIDX_WITH_TORCH

namespace {
Status NoModels() {
  return Status::NotSupported("this photoidx was built without model support (PHOTOIDX_WITH_TORCH=OFF)");
}
}  // namespace

Result<ResolvedModel> ResolveClip(const std::string&, const ModelFlags&, bool) { return NoModels(); }
Result<ResolvedModel> ResolveBlip(const std::string&, const ModelFlags&) { return NoModels(); }
Result<std::unique_ptr<models::ImageEmbedder>> LoadImageEmbedder(const ResolvedModel&) {
  return NoModels();
}
Result<std::unique_ptr<models::TextEmbedder>> LoadTextEmbedder(const ResolvedModel&) {
  return NoModels();
}
Result<std::unique_ptr<models::Captioner>> LoadCaptioner(const ResolvedModel&) { return NoModels(); }
std::function<void()> InstallAcceleratorHooks() { return [] {}; }

#endif

}  // namespace photoidx::cli
