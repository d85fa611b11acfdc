// libphotoidx_models.so: the libtorch half of photoidx behind PluginApi.
#include "core/models/blip/blip_model.h"
#include "core/models/clip/clip_model.h"
#include "core/models/plugin/plugin_api.h"
#include "core/models/runtime.h"

namespace photoidx::models {
namespace {

Result<std::unique_ptr<ImageEmbedder>> LoadImage(const ModelOptions& o, const std::string& cache) {
  clip::ClipLoadOptions load;
  load.fingerprint.cache_path = cache;
  return clip::LoadClipImageEmbedder(o, load);
}

Result<std::unique_ptr<TextEmbedder>> LoadText(const ModelOptions& o, const std::string& cache) {
  clip::ClipLoadOptions load;
  load.fingerprint.cache_path = cache;
  return clip::LoadClipTextEmbedder(o, load);
}

Result<std::unique_ptr<Captioner>> LoadCaptioner(const ModelOptions& o, const std::string& cache) {
  blip::BlipLoadOptions load;
  load.fingerprint.cache_path = cache;
  return blip::LoadBlipCaptioner(o, load);
}

PluginMemory Memory() {
  AcceleratorMemory m = QueryAcceleratorMemory();
  return {m.available, m.allocated, m.reserved, m.peak};
}

const PluginApi kApi = {kPluginVersion, LoadImage,       LoadText,
                        LoadCaptioner,  Memory,          ReleaseAcceleratorCache,
                        ResetAcceleratorPeak};

}  // namespace
}  // namespace photoidx::models

extern "C" __attribute__((visibility("default"))) const photoidx::models::PluginApi*
photoidx_models_plugin_v1() {
  return &photoidx::models::kApi;
}
