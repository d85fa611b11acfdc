#include "core/models/torch/torch_error.h"

#include <c10/util/Exception.h>

#include <exception>
#include <new>
#include <string>

namespace photoidx::models::torchutil {
namespace {

std::string FirstLine(std::string_view s) {
  size_t nl = s.find('\n');
  return std::string(nl == std::string_view::npos ? s : s.substr(0, nl));
}

}  // namespace

Status CatchTorch(std::string_view what, const std::function<void()>& fn) {
  try {
    fn();
    return Status::OK();
  } catch (const c10::OutOfMemoryError& e) {
    return Status::OutOfMemory(what, FirstLine(e.what_without_backtrace()));
  } catch (const c10::Error& e) {
    return Status::Aborted(what, FirstLine(e.what_without_backtrace()));
  } catch (const std::bad_alloc&) {
    return Status::OutOfMemory(what, "out of host memory");
  } catch (const std::exception& e) {
    return Status::Aborted(what, FirstLine(e.what()));
  }
}

}  // namespace photoidx::models::torchutil
