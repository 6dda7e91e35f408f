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

// OK when `store` is null (auth disabled) or the token has `needed` (admin implies all).
// Unauthenticated ("Authentication required" / "Invalid or expired token") or
// PermissionDenied otherwise. Thread-safe.
Status Authorize(const TokenStore* store, const HttpRequest& request, Permission needed,
                 bool allow_query_token = false);

}  // namespace arc
