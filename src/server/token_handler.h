// TokenHandler: the token endpoints under /api/v1/auth (docs/protocol.md, "Tokens"), in the
// shapes of Arc's API and Python client: create, list, get, rotate, revoke, delete, verify.
#pragma once

#include <string>

#include "server/http_types.h"
#include "server/token_store.h"

namespace arc {

class TokenHandler {
 public:
  // `tokens` is null when auth is disabled (every call then answers 400, verify 200).
  // It must outlive the handler. Thread-safe; the calls block on the token file's fsync.
  explicit TokenHandler(TokenStore* tokens) : tokens_(tokens) {}

  HttpResponse Create(const HttpRequest& request);
  HttpResponse List();
  // `id` is the path parameter as sent.
  HttpResponse Get(const std::string& id);
  HttpResponse Rotate(const std::string& id);
  // PATCH: the fields of a create body, each optional ("databases": null lifts the scope).
  HttpResponse Update(const std::string& id, const HttpRequest& request);
  HttpResponse Revoke(const std::string& id);
  HttpResponse Delete(const std::string& id);
  // Any token: who it is (200) or 401 {"valid": false, "error"}.
  HttpResponse Verify(const HttpRequest& request);

  // Parses the fields of a create or update body; InvalidArgument naming a bad or unknown
  // field. `now` (seconds) anchors expires_in.
  static Result<TokenUpdate> ParseFields(const std::string& body, int64_t now);
  // Parses a create body into a spec (name required, Arc's default permissions); InvalidArgument
  // naming the field otherwise. `now` (seconds) anchors expires_in.
  static Result<TokenSpec> ParseCreate(const std::string& body, int64_t now);
  // Arc's expires_in: "90s", "30m", "24h", "7d" or sums such as "1h30m" → seconds (> 0).
  static Result<int64_t> ParseExpiresIn(const std::string& text);
  static nlohmann::json InfoJson(const TokenInfo& info);

 private:
  HttpResponse Disabled() const;

  TokenStore* const tokens_;
};

}  // namespace arc
