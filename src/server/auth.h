// Request authentication: which token a request carries and whether it may do something.
#pragma once

#include <string>

#include "server/http_types.h"
#include "server/token_store.h"

namespace arc {

// The token from, in order: "Authorization: Bearer t", "Authorization: Token t",
// "Authorization: Basic base64(user:t)" (the user name is ignored), "x-api-key: t", and — only when `allow_query_token` (InfluxDB 1.x endpoints, whose
// clients send it so) — the query parameter "?p=t". Empty when none.
std::string ExtractToken(const HttpRequest& request, bool allow_query_token);

// The principal a request's token stands for: null when `store` is null (auth disabled).
// Unauthenticated ("Authentication required" / "Invalid or expired token") or
// PermissionDenied (lacks `needed`; admin implies all) otherwise. Thread-safe.
Result<std::shared_ptr<const Principal>> Authenticate(const TokenStore* store,
                                                      const HttpRequest& request,
                                                      Permission needed,
                                                      bool allow_query_token = false);

// OK when `store` is null (auth disabled) or the token has `needed` (admin implies all).
// Unauthenticated ("Authentication required" / "Invalid or expired token") or
// PermissionDenied otherwise. Thread-safe.
Status Authorize(const TokenStore* store, const HttpRequest& request, Permission needed,
                 bool allow_query_token = false);

// The principal of a verified token.
std::shared_ptr<const Principal> PrincipalOf(const TokenInfo& info);
// Whether the request's principal holds `p` (admin implies all); true without a principal
// (auth disabled).
bool HasPermission(const HttpRequest& request, Permission p);
// The request's database scope: its principal's, else every database.
const DatabaseScope& ScopeOf(const HttpRequest& request);
// The name the request log shows for a request's caller: the token's name, "anonymous"
// (no token), "invalid" (a token that verifies as nothing) or "-" (auth disabled). Never
// the token.
std::string CallerName(const TokenStore* store, const HttpRequest& request,
                       bool allow_query_token);

}  // namespace arc
