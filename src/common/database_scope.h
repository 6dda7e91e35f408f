// DatabaseScope: which databases a caller may touch — every one, or a listed few. The policy
// (whose scope, from which token) is the caller's; layers below only ask Check().
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace arc {

class DatabaseScope {
 public:
  // Every database.
  DatabaseScope() = default;
  // Only `databases` (must not be empty); `holder` names the caller in the error message
  // (a token's name, never its secret).
  static DatabaseScope Only(std::vector<std::string> databases, std::string holder);

  bool unrestricted() const { return unrestricted_; }
  // The allowed databases, sorted and unique; empty when unrestricted.
  const std::vector<std::string>& databases() const { return databases_; }
  bool Allows(std::string_view db) const;
  // OK, or PermissionDenied: token "holder" may not access database "db". Thread-safe.
  Status Check(std::string_view db) const;

 private:
  bool unrestricted_ = true;
  std::vector<std::string> databases_;
  std::string holder_;
};

}  // namespace arc
