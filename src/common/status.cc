#include "common/status.h"

#include <cerrno>
#include <cstring>

namespace arc {

Status Status::FromErrno(int err, const std::string& what) {
  std::string msg = what + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return NoSpace(std::move(msg));
  return IOError(std::move(msg));
}

std::string Status::ToString() const {
  static const char* const kNames[] = {"OK",          "Invalid argument", "Not found",
                                       "IO error",    "No space",         "Corruption",
                                       "Unavailable", "Payload too large", "Unauthenticated",
                                       "Permission denied", "Internal"};
  std::string s = kNames[static_cast<int>(code_)];
  if (!message_.empty()) s += ": " + message_;
  return s;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace arc
