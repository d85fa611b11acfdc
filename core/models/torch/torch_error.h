// Exceptions stop here: libtorch signals errors with c10::Error (and
// std::bad_alloc); model code runs its torch calls through CatchTorch() and
// returns the Status it gives.
//
// Thread safety: stateless.
#ifndef PHOTOIDX_CORE_MODELS_TORCH_TORCH_ERROR_H_
#define PHOTOIDX_CORE_MODELS_TORCH_TORCH_ERROR_H_

#include <functional>
#include <string_view>

#include "core/base/status.h"

namespace photoidx::models::torchutil {

// Runs `fn`; a c10::OutOfMemoryError or std::bad_alloc becomes OutOfMemory,
// any other c10::Error / std::exception an Aborted, both prefixed with
// `what` ("clip vision forward: ..."). The torch message is cut to its first
// line (the C++ backtrace that follows helps nobody reading a log).
Status CatchTorch(std::string_view what, const std::function<void()>& fn);

}  // namespace photoidx::models::torchutil

#endif  // PHOTOIDX_CORE_MODELS_TORCH_TORCH_ERROR_H_
