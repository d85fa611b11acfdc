// Model wiring for the CLI: flags -> ModelOptions, model folder resolution
// and fingerprints before any work (a bad model is exit code 2 up front),
// and the factories the build stages call. The only cli file that knows the
// libtorch-backed loaders exist; without them (PHOTOIDX_WITH_TORCH off)
// every call says so with NotSupported.
#ifndef PHOTOIDX_CLI_MODELS_H_
#define PHOTOIDX_CLI_MODELS_H_

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/models/embedder.h"
#include "core/pipeline/build.h"

namespace CLI {
class App;
}

namespace photoidx::cli {

constexpr const char* kDefaultClipModel = "openai/clip-vit-base-patch32";
constexpr const char* kDefaultBlipModel = "Salesforce/blip-image-captioning-base";

struct ModelFlags {
  std::string clip_model = kDefaultClipModel;
  std::string blip_model = kDefaultBlipModel;
  std::string device = "auto";  // auto|cpu|cuda
  std::string dtype = "auto";   // auto|fp32|bf16|fp16
  int threads = 0;
};

// --device, --dtype, --model-threads.
void AddDeviceFlags(CLI::App& cmd, ModelFlags& flags);

// Resolves the folder and fingerprint of a model now; loads it later.
struct ResolvedModel {
  std::string name;         // as given
  std::string dir;          // checkpoint folder
  std::string fingerprint;  // hex SHA-256 of config + weights
  models::ModelOptions options;
  // What the decoder must deliver for this model (preprocess::DecodeSide),
  // read from its preprocessor file; 0 when unreadable (the model load then
  // reports the problem).
  int decode_side = 0;
};

Result<ResolvedModel> ResolveClip(const std::string& name, const ModelFlags& flags,
                                  bool text_only = false);
Result<ResolvedModel> ResolveBlip(const std::string& name, const ModelFlags& flags);

Result<std::unique_ptr<models::ImageEmbedder>> LoadImageEmbedder(const ResolvedModel& m);
Result<std::unique_ptr<models::TextEmbedder>> LoadTextEmbedder(const ResolvedModel& m);
Result<std::unique_ptr<models::Captioner>> LoadCaptioner(const ResolvedModel& m);

// Installs the accelerator memory probe for stage logs and returns the
// cache-release hook for BuildOptions.
std::function<void()> InstallAcceleratorHooks();

}  // namespace photoidx::cli

#endif  // PHOTOIDX_CLI_MODELS_H_
