// Status: the error value of every fallible call on the I/O and ingest paths.
#pragma once

#include <string>
#include <utility>

namespace arc {

enum class StatusCode {
  kOk,
  kInvalidArgument,   // bad client input (HTTP 400)
  kNotFound,          // missing file, route, or object
  kIOError,           // a system call failed
  kNoSpace,           // ENOSPC
  kCorruption,        // a checksum or format check failed
  kUnavailable,       // try again later (HTTP 503)
  kPayloadTooLarge,   // HTTP 413
  kUnauthenticated,   // HTTP 401
  kPermissionDenied,  // HTTP 403
  kInternal,          // a bug or an unexpected library error (HTTP 500)
};

// An error code plus a message naming the problem. Cheap to copy when ok.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status NoSpace(std::string m) { return {StatusCode::kNoSpace, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status PayloadTooLarge(std::string m) { return {StatusCode::kPayloadTooLarge, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  // Maps errno from a failed system call on `what` to kNoSpace or kIOError.
  static Status FromErrno(int err, const std::string& what);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

  // Returns a copy whose message is prefixed by `context: `.
  Status WithContext(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Returns early from the enclosing function when `expr` is not ok.
#define ARC_RETURN_IF_ERROR(expr)        \
  do {                                   \
    ::arc::Status arc_status_ = (expr);  \
    if (!arc_status_.ok()) return arc_status_; \
  } while (0)

}  // namespace arc
