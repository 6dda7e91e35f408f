#include "server/auth.h"

#include <optional>
#include <string_view>

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

// Standard base64 (RFC 4648 §4, padding optional); nullopt on any other character.
std::optional<std::string> DecodeBase64(std::string_view in) {
  static const std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// "Basic base64(user:password)" → the password (InfluxDB 1.x clients, Grafana, Telegraf).
// The user name is not checked: the password is the token.
std::string BasicPassword(std::string_view credentials) {
  const std::optional<std::string> decoded = DecodeBase64(Trim(credentials));
  if (!decoded) return "";
  const size_t colon = decoded->find(':');
  return colon == std::string::npos ? "" : decoded->substr(colon + 1);
}

}  // namespace

std::string ExtractToken(const HttpRequest& request, bool allow_query_token) {
  const std::string_view auth = request.Header("authorization");
  if (StartsWithIgnoringCase(auth, "bearer ")) return Trim(auth.substr(7));
  if (StartsWithIgnoringCase(auth, "token ")) return Trim(auth.substr(6));
  if (StartsWithIgnoringCase(auth, "basic ")) return BasicPassword(auth.substr(6));
  const std::string_view key = request.Header("x-api-key");
  if (!key.empty()) return Trim(key);
  if (allow_query_token) {
    if (auto p = request.Query("p")) return *p;
  }
  return "";
}

std::shared_ptr<const Principal> PrincipalOf(const TokenInfo& info) {
  auto p = std::make_shared<Principal>();
  p->token_id = info.id;
  p->name = info.name;
  p->permissions = info.permissions;
  const bool admin = info.permissions & static_cast<uint32_t>(Permission::kAdmin);
  // Admin tokens are unscoped whatever the file says (they can create any token anyway).
  if (!info.databases.empty() && !admin) p->scope = DatabaseScope::Only(info.databases, info.name);
  return p;
}

Result<std::shared_ptr<const Principal>> Authenticate(const TokenStore* store,
                                                      const HttpRequest& request,
                                                      Permission needed,
                                                      bool allow_query_token) {
  if (store == nullptr) return std::shared_ptr<const Principal>();
  const std::string token = ExtractToken(request, allow_query_token);
  if (token.empty()) return Status::Unauthenticated("Authentication required");
  ARC_ASSIGN_OR_RETURN(const TokenInfo info, store->Verify(token));
  const uint32_t admin = static_cast<uint32_t>(Permission::kAdmin);
  if ((info.permissions & admin) || (info.permissions & static_cast<uint32_t>(needed))) {
    return PrincipalOf(info);
  }
  static const char* const kNames[] = {"read", "write", "delete", "admin"};
  const int bit = __builtin_ctz(static_cast<uint32_t>(needed));
  return Status::PermissionDenied(std::string("token lacks the \"") + kNames[bit] +
                                  "\" permission");
}

Status Authorize(const TokenStore* store, const HttpRequest& request, Permission needed,
                 bool allow_query_token) {
  return Authenticate(store, request, needed, allow_query_token).status();
}

bool HasPermission(const HttpRequest& request, Permission p) {
  if (request.principal == nullptr) return true;
  const uint32_t bits = request.principal->permissions;
  return (bits & static_cast<uint32_t>(Permission::kAdmin)) || (bits & static_cast<uint32_t>(p));
}

const DatabaseScope& ScopeOf(const HttpRequest& request) {
  static const DatabaseScope kEverything;
  return request.principal != nullptr ? request.principal->scope : kEverything;
}

std::string CallerName(const TokenStore* store, const HttpRequest& request,
                       bool allow_query_token) {
  if (request.principal != nullptr) return request.principal->name;
  if (store == nullptr) return "-";
  const std::string token = ExtractToken(request, allow_query_token);
  if (token.empty()) return "anonymous";
  Result<TokenInfo> info = store->Verify(token);
  return info.ok() ? info->name : "invalid";
}

}  // namespace arc
