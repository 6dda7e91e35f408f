#include "common/database_scope.h"

#include <algorithm>

namespace arc {

DatabaseScope DatabaseScope::Only(std::vector<std::string> databases, std::string holder) {
  DatabaseScope s;
  std::sort(databases.begin(), databases.end());
  databases.erase(std::unique(databases.begin(), databases.end()), databases.end());
  s.unrestricted_ = false;
  s.databases_ = std::move(databases);
  s.holder_ = std::move(holder);
  return s;
}

bool DatabaseScope::Allows(std::string_view db) const {
  return unrestricted_ || std::binary_search(databases_.begin(), databases_.end(), db);
}

Status DatabaseScope::Check(std::string_view db) const {
  if (Allows(db)) return Status::OK();
  // The name came from the client: cut it so an error (and its log line) stays short.
  const std::string shown(db.substr(0, 64));
  return Status::PermissionDenied("token \"" + holder_ + "\" may not access database \"" + shown +
                                  "\"");
}

}  // namespace arc
