// CLIP embedders behind the torch-free interfaces of core/models/embedder.h.
//
//   LoadClipImageEmbedder: config + preprocessor_config + the VISION tower
//     only (the text weights are validated from the safetensors header but
//     never converted).
//   LoadClipTextEmbedder: config + tokenizer + the TEXT tower only (the
//     vision weights' pages are never read: the file is mmapped and only
//     its header is checked).
// Both resolve `ModelOptions::model` (a folder or a Hugging Face id in the
// local hub cache), pick device/dtype/threads from ModelOptions (see
// core/models/torch/device.h), check every tensor name/shape/dtype and
// return one clear error before any work on a broken folder.
//
// Ownership: the returned object owns the weights; destroying it frees
// them. Call models::ReleaseAcceleratorCache() (core/models/runtime.h)
// afterwards to hand cached CUDA blocks back before the next model loads.
// Thread safety: one thread at a time per embedder (embedder.h); the torch
// intra-op thread count is process-wide and set at load.
#ifndef PHOTOIDX_CORE_MODELS_CLIP_CLIP_MODEL_H_
#define PHOTOIDX_CORE_MODELS_CLIP_CLIP_MODEL_H_

#include <memory>

#include "core/base/result.h"
#include "core/models/embedder.h"
#include "core/models/hf/fingerprint.h"
#include "core/models/hf/hub.h"

namespace photoidx::models::clip {

struct ClipLoadOptions {
  // How a Hugging Face id is resolved (hub cache folder, offline, an
  // optional downloader). The default resolves local folders only.
  hf::HubOptions hub;
  // Where model fingerprints are remembered (empty = hash every load).
  hf::FingerprintOptions fingerprint;
};

// The files each embedder needs from a hub snapshot.
const std::vector<std::string>& ClipImageModelFiles();
const std::vector<std::string>& ClipTextModelFiles();

// Errors: NotFound (folder or file missing, with what to fetch),
// InvalidArgument / NotSupported (config, options: fp16 on the CPU, CUDA
// without a GPU, an unsupported hidden_act), Corruption (weights: missing,
// unexpected, mis-shaped or mis-typed tensors, a damaged file),
// OutOfMemory.
Result<std::unique_ptr<ImageEmbedder>> LoadClipImageEmbedder(const ModelOptions& options,
                                                             const ClipLoadOptions& load = {});
Result<std::unique_ptr<TextEmbedder>> LoadClipTextEmbedder(const ModelOptions& options,
                                                           const ClipLoadOptions& load = {});

}  // namespace photoidx::models::clip

#endif  // PHOTOIDX_CORE_MODELS_CLIP_CLIP_MODEL_H_
