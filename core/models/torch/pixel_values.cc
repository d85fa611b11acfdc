#include "core/models/torch/pixel_values.h"

#include <ATen/Parallel.h>

#include <string>
#include <vector>

#include "core/models/preprocess/preprocess.h"
#include "core/models/torch/torch_error.h"

namespace photoidx::models::torchutil {

Result<at::Tensor> PixelValues(std::span<const image::Image* const> images,
                               const hf::PreprocessorConfig& config) {
  const int64_t n = static_cast<int64_t>(images.size());
  const int64_t h = preprocess::OutputHeight(config), w = preprocess::OutputWidth(config);
  at::Tensor pixels;
  PHOTOIDX_RETURN_IF_ERROR(CatchTorch("pixel values", [&] {
    pixels = at::empty({n, 3, h, w}, at::kFloat);
  }));
  float* base = pixels.data_ptr<float>();
  std::vector<Status> status(images.size());
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      status[size_t(i)] =
          images[size_t(i)] == nullptr || images[size_t(i)]->empty()
              ? Status::InvalidArgument("preprocess", "empty image")
              : preprocess::Preprocess(*images[size_t(i)], config, base + i * 3 * h * w);
    }
  });
  for (size_t i = 0; i < status.size(); ++i) {
    if (!status[i].ok()) return status[i].WithContext("image " + std::to_string(i));
  }
  return pixels;
}

}  // namespace photoidx::models::torchutil
