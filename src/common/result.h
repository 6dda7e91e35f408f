// Result<T>: a value or the Status saying why there is none.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "common/status.h"

namespace arc {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT: implicit on purpose
  Result(Status status) : v_(std::move(status)) {     // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; OK when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

#define ARC_CONCAT_INNER(a, b) a##b
#define ARC_CONCAT(a, b) ARC_CONCAT_INNER(a, b)
// Declares `lhs` from a Result, or returns its Status from the enclosing function.
#define ARC_ASSIGN_OR_RETURN(lhs, expr)                          \
  auto ARC_CONCAT(arc_result_, __LINE__) = (expr);               \
  if (!ARC_CONCAT(arc_result_, __LINE__).ok())                   \
    return ARC_CONCAT(arc_result_, __LINE__).status();           \
  lhs = std::move(ARC_CONCAT(arc_result_, __LINE__)).value()

}  // namespace arc
