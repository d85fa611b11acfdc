#include "core/base/status.h"

namespace photoidx {

Status::Status(Code code, std::string_view msg, std::string_view msg2) : code_(code) {
  std::string m(msg);
  if (!msg2.empty()) {
    m.append(": ");
    m.append(msg2);
  }
  msg_ = std::make_shared<const std::string>(std::move(m));
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return msg_ ? *msg_ : kEmpty;
}

const char* Status::CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kNotFound: return "not found";
    case Code::kCorruption: return "corruption";
    case Code::kNotSupported: return "not supported";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kIOError: return "io error";
    case Code::kAborted: return "aborted";
    case Code::kBusy: return "busy";
    case Code::kInterrupted: return "interrupted";
    case Code::kOutOfMemory: return "out of memory";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = CodeName(code_);
  s.append(": ");
  s.append(message());
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(code_, context, message());
}

}  // namespace photoidx
