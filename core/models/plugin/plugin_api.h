// The model plugin: libphotoidx_models.so holds everything that links
// libtorch (CLIP, BLIP, the torch bridge). The photoidx binary loads it with
// dlopen only when a model must run, so commands that run no model (a no-op
// rebuild, info, a search served from... the index) start in milliseconds
// instead of paying libtorch's 0.5-1.5 s and 170 MB of start-up.
//
// The plugin exports one C symbol, kPluginEntry, returning a table of
// functions. Both sides are built from this tree by the same compiler, so
// C++ types cross the boundary; kPluginVersion guards against a stale file.
#ifndef PHOTOIDX_CORE_MODELS_PLUGIN_PLUGIN_API_H_
#define PHOTOIDX_CORE_MODELS_PLUGIN_PLUGIN_API_H_

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/models/embedder.h"

namespace photoidx::models {

inline constexpr int kPluginVersion = 1;
inline constexpr const char* kPluginEntry = "photoidx_models_plugin_v1";
inline constexpr const char* kPluginFile = "libphotoidx_models.so";

struct PluginMemory {
  bool available = false;
  int64_t allocated = 0, reserved = 0, peak = 0;
};

struct PluginApi {
  int version = kPluginVersion;
  // `fingerprint_cache`: where model fingerprints are remembered ("" = none).
  Result<std::unique_ptr<ImageEmbedder>> (*load_image_embedder)(const ModelOptions&,
                                                               const std::string& fingerprint_cache);
  Result<std::unique_ptr<TextEmbedder>> (*load_text_embedder)(const ModelOptions&,
                                                             const std::string& fingerprint_cache);
  Result<std::unique_ptr<Captioner>> (*load_captioner)(const ModelOptions&,
                                                      const std::string& fingerprint_cache);
  PluginMemory (*query_memory)();
  void (*release_cache)();
  void (*reset_peak)();
};

using PluginEntryFn = const PluginApi* (*)();

}  // namespace photoidx::models

#endif  // PHOTOIDX_CORE_MODELS_PLUGIN_PLUGIN_API_H_
