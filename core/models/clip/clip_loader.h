// Loads the towers of a CLIPModel checkpoint folder (config.json +
// model.safetensors) onto a placement.
//
// Every tensor of BOTH towers is checked against the config (name, shape,
// dtype) from the safetensors header, and unexpected keys are reported,
// before a single weight is converted; only the towers asked for are then
// read (the other tower's data pages are never touched: the file is
// mmapped). The mapping is dropped when loading returns: the towers own
// converted copies.
//
// Thread safety: LoadClipModel may run on any thread; see the towers.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CLIP_LOADER_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CLIP_LOADER_H_

#include <memory>
#include <string>

#include "core/base/result.h"
#include "core/models/clip_common/clip_config.h"
#include "core/models/clip/clip_text.h"
#include "core/models/clip/clip_vision.h"
#include "core/models/torch/device.h"

namespace photoidx::models::clip {

struct ClipModelParts {
  ClipConfig config;
  std::unique_ptr<ClipVisionTower> vision;  // null unless asked for
  std::unique_ptr<ClipTextTower> text;      // null unless asked for
  float logit_scale = 0;                    // the raw (log) parameter
};

// `dir` must be a local folder. Errors: NotFound (config.json or
// model.safetensors absent), InvalidArgument/NotSupported from the config,
// Corruption from the safetensors file or the strict key check,
// OutOfMemory while converting.
Result<ClipModelParts> LoadClipModel(const std::string& dir, const torchutil::Placement& placement,
                                     bool load_vision, bool load_text);

}  // namespace photoidx::models::clip

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CLIP_LOADER_H_
