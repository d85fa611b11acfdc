// The torch-free model interfaces the pipeline and search call.
//
// Implementations live in core/models/clip and core/models/blip (the only
// code that sees libtorch); tests use fakes. Every embedding crossing this
// seam is float32 and L2-normalised.
//
// Thread safety: an embedder/captioner is used by one thread at a time.
#ifndef PHOTOIDX_CORE_MODELS_EMBEDDER_H_
#define PHOTOIDX_CORE_MODELS_EMBEDDER_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/image/image.h"

namespace photoidx::models {

enum class Device { kAuto, kCpu, kCuda };
enum class DType { kAuto, kFp32, kBf16, kFp16 };

struct ModelOptions {
  // A checkpoint folder, or a Hugging Face id resolved in the local HF cache.
  std::string model;
  // kAuto: CUDA when available, else CPU.
  Device device = Device::kAuto;
  // kAuto: fp16 on CUDA, bf16 on CPUs with native bf16, else fp32.
  // fp32 is the parity path.
  DType dtype = DType::kAuto;
  // Intra-op threads on the CPU; 0 = all cores.
  int threads = 0;
};

// What produced a result, recorded next to every embedding and caption.
struct ModelInfo {
  std::string name;         // as given by the user (folder or HF id)
  std::string fingerprint;  // hex digest of the weights + config contents
  int dim = 0;              // embedding width (0 for captioners)
};

class ImageEmbedder {
 public:
  virtual ~ImageEmbedder() = default;
  virtual const ModelInfo& info() const = 0;
  // Shorter side the model needs from the decoder (CLIP: the resize target).
  virtual int input_side() const = 0;
  // Embeds upright RGB images; returns images.size() * dim floats, each row
  // L2-normalised. Fails as a whole (e.g. out of memory): the caller halves
  // the batch and retries.
  virtual Result<std::vector<float>> EmbedImages(std::span<const image::Image* const> images) = 0;
};

class TextEmbedder {
 public:
  virtual ~TextEmbedder() = default;
  virtual const ModelInfo& info() const = 0;
  // Token ids as fed to the model (bos/eos included, after truncation).
  virtual std::vector<int64_t> Tokenize(std::string_view text) const = 0;
  // texts.size() * dim floats, each row L2-normalised.
  virtual Result<std::vector<float>> EmbedTexts(std::span<const std::string> texts) = 0;
};

struct CaptionOptions {
  std::string prompt;        // e.g. "a picture of"; empty = unconditional
  int num_beams = 1;         // 1 = greedy
  int max_length = 20;       // counts the prompt, as transformers does
  int min_length = 0;
  double length_penalty = 1.0;
};

struct Caption {
  std::string text;          // decoded with special tokens skipped
  std::vector<int64_t> ids;  // the full sequence generate() returns
};

class Captioner {
 public:
  virtual ~Captioner() = default;
  virtual const ModelInfo& info() const = 0;
  virtual int input_side() const = 0;
  virtual Result<std::vector<Caption>> CaptionImages(std::span<const image::Image* const> images,
                                                     const CaptionOptions& options) = 0;
};

}  // namespace photoidx::models

#endif  // PHOTOIDX_CORE_MODELS_EMBEDDER_H_
