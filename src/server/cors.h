// CorsPolicy: which browser origins may call the API, and the CORS headers they get
// (docs/protocol.md, "CORS"). Applied by HttpServer before routing, so a preflight needs no
// token.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "server/http_types.h"

namespace arc {

class CorsPolicy {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  // CORS off: no request gets a CORS header.
  CorsPolicy() = default;
  // From server.cors_origins: each entry "*" or scheme://host[:port] (no path; a trailing
  // slash is dropped; compared case-insensitively). Empty: off. InvalidArgument naming a bad
  // entry.
  static Result<CorsPolicy> Make(const std::vector<std::string>& origins);

  bool enabled() const { return any_ || !origins_.empty(); }
  // The Access-Control-Allow-Origin value for a request's Origin header ("*" when any origin
  // is allowed, else the origin as sent), or nullopt: no Origin, not allowed, or CORS off.
  std::optional<std::string> AllowOrigin(std::string_view origin) const;

  // True for a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
  static bool IsPreflight(const HttpRequest& head);
  // The 204 answer to a preflight from an allowed origin (`allow_origin` from AllowOrigin).
  static HttpResponse PreflightAnswer(const std::string& allow_origin);
  // The headers every other answer to an allowed origin carries (Vary: Origin excluded: the
  // server merges Vary values).
  static Headers ResponseHeaders(const std::string& allow_origin);

 private:
  bool any_ = false;
  std::vector<std::string> origins_;  // lower case, no trailing slash
};

}  // namespace arc
