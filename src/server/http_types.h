// HttpRequest / HttpResponse: what handlers see, independent of Boost.Beast.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace arc {

struct HttpRequest {
  std::string method;                                        // "GET", "POST", ...
  std::string path;                                          // without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  // The header's value, or "" when absent. `lower_name` must be lower case.
  std::string_view Header(std::string_view lower_name) const;
  std::optional<std::string> Query(std::string_view name) const;
  // Splits "path?a=1&b=x%20y" into path and decoded query parameters.
  void SetTarget(std::string_view target);
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

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
