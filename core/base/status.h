// Status: the outcome of an operation that can fail on bad input or I/O.
//
// Modelled on leveldb's Status: a small value with named constructors. A
// per-item failure (one corrupt photo) is a Status returned to the caller;
// a bug is a PHOTOIDX_CHECK. Messages name the subject first, e.g.
//   Status::Corruption("IMG_0042.HEIC", "heif: unsupported codec")
//   -> "Corruption: IMG_0042.HEIC: heif: unsupported codec"
// Thread safety: a Status is an immutable value; copies are independent.
#ifndef PHOTOIDX_CORE_BASE_STATUS_H_
#define PHOTOIDX_CORE_BASE_STATUS_H_

#include <memory>
#include <string>
#include <string_view>

namespace photoidx {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kNotFound,
    kCorruption,
    kNotSupported,
    kInvalidArgument,
    kIOError,
    kAborted,
    kBusy,
    kInterrupted,
    kOutOfMemory,
  };

  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kNotFound, msg, msg2);
  }
  static Status Corruption(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kCorruption, msg, msg2);
  }
  static Status NotSupported(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kNotSupported, msg, msg2);
  }
  static Status InvalidArgument(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kInvalidArgument, msg, msg2);
  }
  static Status IOError(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kIOError, msg, msg2);
  }
  static Status Aborted(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kAborted, msg, msg2);
  }
  static Status Busy(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kBusy, msg, msg2);
  }
  static Status Interrupted(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kInterrupted, msg, msg2);
  }
  static Status OutOfMemory(std::string_view msg, std::string_view msg2 = {}) {
    return Status(Code::kOutOfMemory, msg, msg2);
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsNotSupported() const { return code_ == Code::kNotSupported; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsBusy() const { return code_ == Code::kBusy; }

  // The message without the code prefix ("IMG_1.jpg: jpeg: premature end").
  const std::string& message() const;
  // "Corruption: IMG_1.jpg: jpeg: premature end", or "OK".
  std::string ToString() const;
  // Short lowercase name of the code ("corruption"), for logs and JSON.
  static const char* CodeName(Code code);

  // Returns a copy with `context + ": "` prepended to the message.
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string_view msg, std::string_view msg2);

  Code code_ = Code::kOk;
  // Null when OK so that the success path costs one word.
  std::shared_ptr<const std::string> msg_;
};

}  // namespace photoidx

// Returns early from the enclosing function when `expr` is not OK.
#define PHOTOIDX_RETURN_IF_ERROR(expr)             \
  do {                                             \
    ::photoidx::Status _photoidx_st = (expr);      \
    if (!_photoidx_st.ok()) return _photoidx_st;   \
  } while (0)

#endif  // PHOTOIDX_CORE_BASE_STATUS_H_
