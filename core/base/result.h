// Result<T>: a T or the Status saying why there is none.
// Stand-in for std::expected<T, Status> until C++23 is available.
#ifndef PHOTOIDX_CORE_BASE_RESULT_H_
#define PHOTOIDX_CORE_BASE_RESULT_H_

#include <optional>
#include <utility>

#include "core/base/check.h"
#include "core/base/status.h"

namespace photoidx {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    PHOTOIDX_CHECK(!status_.ok());
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { PHOTOIDX_CHECK(ok()); return *value_; }
  const T& value() const& { PHOTOIDX_CHECK(ok()); return *value_; }
  T&& value() && { PHOTOIDX_CHECK(ok()); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace photoidx

// Assigns the value of a Result expression to `lhs`, or returns its Status.
#define PHOTOIDX_CONCAT_INNER(a, b) a##b
#define PHOTOIDX_CONCAT(a, b) PHOTOIDX_CONCAT_INNER(a, b)
#define PHOTOIDX_ASSIGN_OR_RETURN(lhs, expr) \
  PHOTOIDX_ASSIGN_OR_RETURN_IMPL(PHOTOIDX_CONCAT(_photoidx_r, __LINE__), lhs, expr)
#define PHOTOIDX_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) return tmp.status();                  \
  lhs = std::move(tmp).value()

#endif  // PHOTOIDX_CORE_BASE_RESULT_H_
