// LoadBlipCaptioner: the torch-free entry point of BLIP captioning
// (BlipForConditionalGeneration checkpoints such as
// Salesforce/blip-image-captioning-base). Everything libtorch stays behind
// this header (see blip_generator.h for the model itself).
//
// The folder needs config.json, model.safetensors,
// preprocessor_config.json and the BERT tokenizer files (vocab.txt, plus the
// optional tokenizer_config.json, special_tokens_map.json,
// added_tokens.json). Loading checks all of it up front: a missing file, a
// bad config, a missing/unexpected/mis-shaped tensor is one clear Status
// before any work, and nothing runs on a partial load.
//
// CaptionImages follows BlipProcessor + BlipForConditionalGeneration.generate
// (transformers 4.40): images -> BlipImageProcessor -> vision tower; a
// prompt is encoded [CLS] ... [SEP], its first id replaced by [DEC] and its
// last id dropped; greedy when num_beams == 1, else beam search; the text
// is the sequence decoded with special tokens skipped. Caption::ids is the
// full sequence generate() returns for that image (prompt, generated ids,
// eos when produced); a batch gives what each image gives alone.
//
// Thread safety: a captioner is used by one thread at a time (embedder.h).
#ifndef PHOTOIDX_CORE_MODELS_BLIP_BLIP_MODEL_H_
#define PHOTOIDX_CORE_MODELS_BLIP_BLIP_MODEL_H_

#include <memory>

#include "core/base/result.h"
#include "core/models/embedder.h"
#include "core/models/hf/fingerprint.h"
#include "core/models/hf/hub.h"

namespace photoidx::models::blip {

struct BlipLoadOptions {
  // How a Hugging Face id in ModelOptions::model is found (a folder path is
  // used as is). The default finds folders only.
  hf::HubOptions hub;
  // Where model fingerprints are cached (empty: hash the files every load).
  hf::FingerprintOptions fingerprint;
};

// Errors: NotFound (folder or file missing), InvalidArgument/NotSupported
// (config, device/dtype), Corruption (weights), OutOfMemory.
Result<std::unique_ptr<Captioner>> LoadBlipCaptioner(const ModelOptions& options,
                                                     const BlipLoadOptions& load_options = {});

}  // namespace photoidx::models::blip

#endif  // PHOTOIDX_CORE_MODELS_BLIP_BLIP_MODEL_H_
