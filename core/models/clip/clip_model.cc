// The CLIP ImageEmbedder / TextEmbedder: resolve the folder, load one tower
// (clip_loader.h), then preprocess/tokenize, run the tower under
// c10::InferenceMode and L2-normalise on the device.
#include "core/models/clip/clip_model.h"

#include <c10/core/InferenceMode.h>

#include "core/models/clip/clip_loader.h"
#include "core/models/hf/preprocessor_config.h"
#include "core/models/preprocess/preprocess.h"
#include "core/models/tokenizer/clip_tokenizer.h"
#include "core/models/torch/pixel_values.h"
#include "core/models/torch/torch_error.h"

namespace photoidx::models::clip {
namespace {

// Rows / ||row||_2 (no epsilon, as transformers), as float32 on the host.
Result<std::vector<float>> NormalizedRows(const at::Tensor& embeds) {
  std::vector<float> out;
  PHOTOIDX_RETURN_IF_ERROR(torchutil::CatchTorch("clip normalise", [&] {
    at::Tensor x = embeds.to(at::kFloat);
    x = (x / x.norm(2, -1, true)).to(at::kCPU).contiguous();
    out.assign(x.data_ptr<float>(), x.data_ptr<float>() + x.numel());
  }));
  return out;
}

Result<ModelInfo> MakeInfo(const ModelOptions& options, const std::string& dir,
                           const ClipConfig& config, const ClipLoadOptions& load) {
  ModelInfo info;
  info.name = options.model;
  info.dim = static_cast<int>(config.projection_dim);
  PHOTOIDX_ASSIGN_OR_RETURN(info.fingerprint, hf::ModelFingerprint(dir, load.fingerprint));
  return info;
}

class ClipImageEmbedder final : public ImageEmbedder {
 public:
  ClipImageEmbedder(ModelInfo info, hf::PreprocessorConfig pre,
                    std::unique_ptr<ClipVisionTower> tower)
      : info_(std::move(info)), pre_(pre), tower_(std::move(tower)) {}

  const ModelInfo& info() const override { return info_; }
  int input_side() const override { return preprocess::DecodeSide(pre_); }

  Result<std::vector<float>> EmbedImages(std::span<const image::Image* const> images) override {
    if (images.empty()) return std::vector<float>{};
    PHOTOIDX_ASSIGN_OR_RETURN(at::Tensor pixels, torchutil::PixelValues(images, pre_));
    c10::InferenceMode guard;
    PHOTOIDX_ASSIGN_OR_RETURN(ClipVisionOutput out, tower_->Forward(pixels, false));
    return NormalizedRows(out.image_embeds);
  }

 private:
  ModelInfo info_;
  hf::PreprocessorConfig pre_;
  std::unique_ptr<ClipVisionTower> tower_;
};

class ClipTextEmbedder final : public TextEmbedder {
 public:
  ClipTextEmbedder(ModelInfo info, tokenizer::ClipTokenizer tok,
                   std::unique_ptr<ClipTextTower> tower)
      : info_(std::move(info)), tok_(std::move(tok)), tower_(std::move(tower)) {}

  const ModelInfo& info() const override { return info_; }

  std::vector<int64_t> Tokenize(std::string_view text) const override {
    tokenizer::Encoding e = tok_.EncodeForModel(text, MaxLength());
    std::vector<int64_t> ids;
    for (size_t i = 0; i < e.ids.size(); ++i) {
      if (e.attention_mask[i]) ids.push_back(e.ids[i]);
    }
    return ids;
  }

  Result<std::vector<float>> EmbedTexts(std::span<const std::string> texts) override {
    if (texts.empty()) return std::vector<float>{};
    const int64_t n = static_cast<int64_t>(texts.size()), len = MaxLength();
    at::Tensor ids, mask;
    PHOTOIDX_RETURN_IF_ERROR(torchutil::CatchTorch("clip tokenize", [&] {
      ids = at::empty({n, len}, at::kLong);
      mask = at::empty({n, len}, at::kLong);
      for (int64_t i = 0; i < n; ++i) {
        tokenizer::Encoding e = tok_.EncodeForModel(texts[i], static_cast<int>(len));
        std::copy(e.ids.begin(), e.ids.end(), ids.data_ptr<int64_t>() + i * len);
        std::copy(e.attention_mask.begin(), e.attention_mask.end(),
                  mask.data_ptr<int64_t>() + i * len);
      }
    }));
    c10::InferenceMode guard;
    PHOTOIDX_ASSIGN_OR_RETURN(ClipTextOutput out, tower_->Forward(ids, mask));
    return NormalizedRows(out.text_embeds);
  }

 private:
  int MaxLength() const { return static_cast<int>(tower_->config().max_position_embeddings); }

  ModelInfo info_;
  tokenizer::ClipTokenizer tok_;
  std::unique_ptr<ClipTextTower> tower_;
};

// The crop the processor produces must be the tower's input size.
Status CheckPreprocessor(const hf::PreprocessorConfig& pre, const ClipConfig& config,
                         const std::string& dir) {
  const int64_t s = config.vision.image_size;
  if (preprocess::OutputHeight(pre) != s || preprocess::OutputWidth(pre) != s) {
    return Status::InvalidArgument(
        dir + "/preprocessor_config.json",
        "the processor output is not " + std::to_string(s) + "x" + std::to_string(s) +
            " (vision_config.image_size): CLIP needs a centre crop of that size");
  }
  return Status::OK();
}

}  // namespace

const std::vector<std::string>& ClipImageModelFiles() {
  static const std::vector<std::string> kFiles = {"config.json", "model.safetensors",
                                                  "preprocessor_config.json"};
  return kFiles;
}

const std::vector<std::string>& ClipTextModelFiles() {
  static const std::vector<std::string> kFiles = {
      "config.json", "model.safetensors",     "vocab.json",
      "merges.txt",  "tokenizer_config.json", "special_tokens_map.json"};
  return kFiles;
}

Result<std::unique_ptr<ImageEmbedder>> LoadClipImageEmbedder(const ModelOptions& options,
                                                             const ClipLoadOptions& load) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::string dir,
                            hf::ResolveModelDir(options.model, load.hub, ClipImageModelFiles()));
  PHOTOIDX_ASSIGN_OR_RETURN(torchutil::Placement placement, torchutil::ResolvePlacement(options));
  PHOTOIDX_ASSIGN_OR_RETURN(ClipConfig config, LoadClipConfig(dir));
  PHOTOIDX_ASSIGN_OR_RETURN(hf::PreprocessorConfig pre, hf::LoadPreprocessorConfig(dir));
  PHOTOIDX_RETURN_IF_ERROR(CheckPreprocessor(pre, config, dir));
  PHOTOIDX_ASSIGN_OR_RETURN(ClipModelParts parts, LoadClipModel(dir, placement, true, false));
  PHOTOIDX_ASSIGN_OR_RETURN(ModelInfo info, MakeInfo(options, dir, parts.config, load));
  return std::unique_ptr<ImageEmbedder>(
      new ClipImageEmbedder(std::move(info), pre, std::move(parts.vision)));
}

Result<std::unique_ptr<TextEmbedder>> LoadClipTextEmbedder(const ModelOptions& options,
                                                           const ClipLoadOptions& load) {
  PHOTOIDX_ASSIGN_OR_RETURN(std::string dir,
                            hf::ResolveModelDir(options.model, load.hub, ClipTextModelFiles()));
  PHOTOIDX_ASSIGN_OR_RETURN(torchutil::Placement placement, torchutil::ResolvePlacement(options));
  PHOTOIDX_ASSIGN_OR_RETURN(tokenizer::ClipTokenizer tok, tokenizer::ClipTokenizer::Load(dir));
  PHOTOIDX_ASSIGN_OR_RETURN(ClipModelParts parts, LoadClipModel(dir, placement, false, true));
  PHOTOIDX_ASSIGN_OR_RETURN(ModelInfo info, MakeInfo(options, dir, parts.config, load));
  return std::unique_ptr<TextEmbedder>(
      new ClipTextEmbedder(std::move(info), std::move(tok), std::move(parts.text)));
}

}  // namespace photoidx::models::clip
