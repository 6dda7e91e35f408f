// HttpRequest / HttpResponse: what handlers see, independent of Boost.Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/database_scope.h"
#include "common/status.h"

namespace arc {

// Who a request is from: the token Router::Head authenticated (never its secret).
struct Principal {
  int64_t token_id = 0;
  std::string name;
  uint32_t permissions = 0;  // Permission bits (server/token_store.h)
  DatabaseScope scope;       // the databases the token may read and write
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  // Without the query string, as sent: never percent-decoded, so that routing sees the
  // same path as a proxy in front of the server (/api/v1/auth/%74okens is not a route).
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;    // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // Set by Router::Head once the token is verified; null when auth is disabled or the route
  // is public. Handlers read identity and database scope from here, never re-verifying.
  std::shared_ptr<const Principal> principal;

  // The header's value, or "" when absent. `lower_name` must be lower case.
  std::string_view Header(std::string_view lower_name) const;
  std::optional<std::string> Query(std::string_view name) const;
  // Splits "path?a=1&b=x%20y" into the raw path and decoded query parameters.
  void SetTarget(std::string_view target);
};

// A response body produced piece by piece (sent with chunked transfer encoding), so a large
// result never has to be held whole in memory.
class BodyStream {
 public:
  using Deliver = std::function<void(std::string piece, bool last, bool failed)>;
  virtual ~BodyStream() = default;
  // Asks for the next piece. `deliver` is called exactly once, from any thread: with a
  // piece, with last = true after the final piece (which may be empty), or with failed =
  // true, which ends the connection with the body cut short (the client sees an incomplete
  // chunked body, never a body that looks complete).
  virtual void Next(Deliver deliver) = 0;
  // The connection is gone (closed, reset, timed out): no Next will follow, so a producer
  // waiting for one can stop at once. Called from the session's thread; may race with Next.
  virtual void Abandon() {}
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<BodyStream> stream;  // when set, the body comes from it (chunked)
};

// `j` as the JSON body with `status` (invalid UTF-8 replaced, never thrown on).
HttpResponse Json(int status, const nlohmann::json& j);
// {"error": message} with `status`.
HttpResponse JsonError(int status, const std::string& message);
// 204 No Content.
HttpResponse NoContent();
// The HTTP status for an error Status (400, 401, 403, 413, 503, 500...).
int HttpStatusFor(const Status& status);
// An error response for `status`, with Retry-After on 503.
HttpResponse ErrorResponse(const Status& status);

std::string UrlDecode(std::string_view s);

}  // namespace arc
