// BlipCaptioner: models::Captioner over BlipGenerator + BertTokenizer +
// the BlipImageProcessor port.
#include "core/models/blip/blip_model.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "core/models/blip/blip_generator.h"
#include "core/models/hf/preprocessor_config.h"
#include "core/models/preprocess/preprocess.h"
#include "core/models/tokenizer/bert_tokenizer.h"
#include "core/models/torch/device.h"
#include "core/models/torch/pixel_values.h"
#include "core/models/torch/torch_error.h"

namespace photoidx::models::blip {
namespace {

// Beam widths beyond this are almost certainly a typo; each beam costs a
// full decoder row per step.
constexpr int kMaxBeams = 64;

class BlipCaptioner : public Captioner {
 public:
  BlipCaptioner(ModelInfo info, std::unique_ptr<BlipGenerator> generator,
                tokenizer::BertTokenizer tokenizer, hf::PreprocessorConfig preprocessor)
      : info_(std::move(info)),
        generator_(std::move(generator)),
        tokenizer_(std::move(tokenizer)),
        preprocessor_(std::move(preprocessor)) {}

  const ModelInfo& info() const override { return info_; }
  int input_side() const override { return preprocess::DecodeSide(preprocessor_); }
  Result<std::vector<Caption>> CaptionImages(std::span<const image::Image* const> images,
                                             const CaptionOptions& options) override;

 private:
  Result<GenerateOptions> MakeGenerateOptions(const CaptionOptions& options) const;

  ModelInfo info_;
  std::unique_ptr<BlipGenerator> generator_;
  tokenizer::BertTokenizer tokenizer_;
  hf::PreprocessorConfig preprocessor_;
};

Result<GenerateOptions> BlipCaptioner::MakeGenerateOptions(const CaptionOptions& options) const {
  if (options.num_beams < 1 || options.num_beams > kMaxBeams) {
    return Status::InvalidArgument("caption options", "num_beams must be in 1.." +
                                                          std::to_string(kMaxBeams));
  }
  if (options.max_length < 1 || options.min_length < 0) {
    return Status::InvalidArgument("caption options",
                                   "max_length must be >= 1 and min_length >= 0");
  }
  if (!std::isfinite(options.length_penalty)) {
    return Status::InvalidArgument("caption options", "length_penalty must be finite");
  }
  GenerateOptions gen;
  const int64_t bos = generator_->config().text.bos_token_id;
  gen.prompt = options.prompt.empty() ? std::vector<int64_t>{bos}
                                      : DecoderPrompt(tokenizer_.Encode(options.prompt), bos);
  gen.num_beams = options.num_beams;
  gen.max_length = options.max_length;
  gen.min_length = options.min_length;
  gen.length_penalty = options.length_penalty;
  PHOTOIDX_RETURN_IF_ERROR(generator_->CheckOptions(gen));
  return gen;
}

Result<std::vector<Caption>> BlipCaptioner::CaptionImages(
    std::span<const image::Image* const> images, const CaptionOptions& options) {
  PHOTOIDX_ASSIGN_OR_RETURN(GenerateOptions gen, MakeGenerateOptions(options));
  if (images.empty()) return std::vector<Caption>{};
  PHOTOIDX_ASSIGN_OR_RETURN(at::Tensor pixels, torchutil::PixelValues(images, preprocessor_));
  PHOTOIDX_ASSIGN_OR_RETURN(at::Tensor states, generator_->EncodeImages(pixels));
  PHOTOIDX_ASSIGN_OR_RETURN(std::vector<Generated> generated, generator_->Generate(states, gen));
  std::vector<Caption> captions;
  captions.reserve(generated.size());
  for (Generated& g : generated) {
    std::string text = tokenizer_.Decode(g.ids, /*skip_special_tokens=*/true);
    captions.push_back(Caption{std::move(text), std::move(g.ids)});
  }
  return captions;
}

// The preprocessor must produce exactly the square the vision tower takes.
Status CheckPreprocessor(const hf::PreprocessorConfig& pp, const BlipConfig& config,
                         const std::string& dir) {
  const int64_t h = preprocess::OutputHeight(pp), w = preprocess::OutputWidth(pp);
  if (h != config.vision.image_size || w != config.vision.image_size) {
    return Status::InvalidArgument(
        dir + "/preprocessor_config.json",
        "produces " + std::to_string(h) + "x" + std::to_string(w) +
            " images but the vision model takes " + std::to_string(config.vision.image_size) +
            "x" + std::to_string(config.vision.image_size));
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Captioner>> LoadBlipCaptioner(const ModelOptions& options,
                                                     const BlipLoadOptions& load_options) {
  PHOTOIDX_ASSIGN_OR_RETURN(torchutil::Placement placement, torchutil::ResolvePlacement(options));
  static const std::vector<std::string> kFiles = {"config.json", "model.safetensors",
                                                  "preprocessor_config.json", "vocab.txt"};
  PHOTOIDX_ASSIGN_OR_RETURN(std::string dir,
                            hf::ResolveModelDir(options.model, load_options.hub, kFiles));
  // Cheap checks first, so a broken folder fails before any weight is read.
  PHOTOIDX_ASSIGN_OR_RETURN(BlipConfig config, LoadBlipConfig(dir + "/config.json"));
  PHOTOIDX_ASSIGN_OR_RETURN(hf::PreprocessorConfig pp, hf::LoadPreprocessorConfig(dir));
  PHOTOIDX_RETURN_IF_ERROR(CheckPreprocessor(pp, config, dir));
  PHOTOIDX_ASSIGN_OR_RETURN(tokenizer::BertTokenizer tok, tokenizer::BertTokenizer::Load(dir));
  PHOTOIDX_ASSIGN_OR_RETURN(std::shared_ptr<hf::SafeTensors> weights,
                            hf::SafeTensors::Open(dir + "/model.safetensors"));
  PHOTOIDX_ASSIGN_OR_RETURN(
      std::unique_ptr<BlipGenerator> generator,
      BlipGenerator::Load(config, std::move(weights), placement.device, placement.dtype));
  ModelInfo info;
  info.name = options.model;
  PHOTOIDX_ASSIGN_OR_RETURN(info.fingerprint, hf::ModelFingerprint(dir, load_options.fingerprint));
  return std::unique_ptr<Captioner>(
      new BlipCaptioner(std::move(info), std::move(generator), std::move(tok), std::move(pp)));
}

}  // namespace photoidx::models::blip
