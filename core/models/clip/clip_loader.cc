#include "core/models/clip/clip_loader.h"

#include "core/models/hf/safetensors.h"
#include "core/models/hf/weights_check.h"
#include "core/models/torch/state_dict.h"
#include "core/models/torch/torch_error.h"

namespace photoidx::models::clip {

Result<ClipModelParts> LoadClipModel(const std::string& dir, const torchutil::Placement& placement,
                                     bool load_vision, bool load_text) {
  ClipModelParts parts;
  PHOTOIDX_ASSIGN_OR_RETURN(parts.config, LoadClipConfig(dir));
  PHOTOIDX_ASSIGN_OR_RETURN(std::shared_ptr<hf::SafeTensors> weights,
                            hf::OpenWeightsFile(dir + "/model.safetensors", "CLIP"));
  auto vision = std::make_unique<ClipVisionTower>(parts.config, placement);
  auto text = std::make_unique<ClipTextTower>(parts.config, placement);
  at::Tensor logit_scale;
  torchutil::StrictLoader loader(weights, placement.dtype, placement.device);
  vision->Declare(loader, load_vision);
  text->Declare(loader, load_text);
  loader.Expect("logit_scale", {}, &logit_scale, at::kFloat);
  PHOTOIDX_RETURN_IF_ERROR(loader.Finish());
  PHOTOIDX_RETURN_IF_ERROR(torchutil::CatchTorch("loading CLIP " + dir, [&] {
    parts.logit_scale = logit_scale.to(at::kCPU).item<float>();
    if (load_vision) vision->Finalize();
    if (load_text) text->Finalize();
  }));
  if (load_vision) parts.vision = std::move(vision);
  if (load_text) parts.text = std::move(text);
  return parts;
}

}  // namespace photoidx::models::clip
