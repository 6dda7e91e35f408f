#include "server/auth.h"

namespace arc {
namespace {

bool StartsWithIgnoringCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string ExtractToken(const HttpRequest& request, bool allow_query_token) {
  const std::string_view auth = request.Header("authorization");
  if (StartsWithIgnoringCase(auth, "bearer ")) return Trim(auth.substr(7));
  if (StartsWithIgnoringCase(auth, "token ")) return Trim(auth.substr(6));
  const std::string_view key = request.Header("x-api-key");
  if (!key.empty()) return Trim(key);
  if (allow_query_token) {
    if (auto p = request.Query("p")) return *p;
  }
  return "";
}

Status Authorize(const TokenStore* store, const HttpRequest& request, Permission needed,
                 bool allow_query_token) {
  if (store == nullptr) return Status::OK();
  const std::string token = ExtractToken(request, allow_query_token);
  if (token.empty()) return Status::Unauthenticated("Authentication required");
  ARC_ASSIGN_OR_RETURN(uint32_t perms, store->Verify(token));
  const uint32_t admin = static_cast<uint32_t>(Permission::kAdmin);
  if ((perms & admin) || (perms & static_cast<uint32_t>(needed))) return Status::OK();
  static const char* const kNames[] = {"read", "write", "delete", "admin"};
  const int bit = __builtin_ctz(static_cast<uint32_t>(needed));
  return Status::PermissionDenied(std::string("token lacks the \"") + kNames[bit] +
                                  "\" permission");
}

}  // namespace arc
