#include "server/cors.h"

#include <algorithm>
#include <cctype>

namespace arc {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// scheme "://" host [":" port], nothing else (RFC 6454's serialisation of an origin).
bool LooksLikeOrigin(std::string_view o) {
  const size_t sep = o.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (const char c : o.substr(0, sep)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  const std::string_view authority = o.substr(sep + 3);
  if (authority.empty()) return false;
  return std::all_of(authority.begin(), authority.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']' || c == '_';
  });
}

std::string_view WithoutTrailingSlash(std::string_view s) {
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

}  // namespace

Result<CorsPolicy> CorsPolicy::Make(const std::vector<std::string>& origins) {
  CorsPolicy p;
  for (const std::string& entry : origins) {
    if (entry == "*") {
      p.any_ = true;
      continue;
    }
    const std::string_view o = WithoutTrailingSlash(entry);
    if (!LooksLikeOrigin(o)) {
      return Status::InvalidArgument("server.cors_origins: \"" + entry +
                                     "\" is not an origin such as https://app.example.com:8443 or \"*\"");
    }
    p.origins_.push_back(Lower(o));
  }
  return p;
}

std::optional<std::string> CorsPolicy::AllowOrigin(std::string_view origin) const {
  if (origin.empty() || !enabled()) return std::nullopt;
  if (any_) return std::string("*");
  const std::string wanted = Lower(WithoutTrailingSlash(origin));
  if (std::find(origins_.begin(), origins_.end(), wanted) == origins_.end()) return std::nullopt;
  return std::string(origin);
}

bool CorsPolicy::IsPreflight(const HttpRequest& head) {
  return head.method == "OPTIONS" && !head.Header("origin").empty() &&
         !head.Header("access-control-request-method").empty();
}

HttpResponse CorsPolicy::PreflightAnswer(const std::string& allow_origin) {
  HttpResponse r = NoContent();
  r.headers = {
      {"Access-Control-Allow-Origin", allow_origin},
      {"Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"},
      {"Access-Control-Allow-Headers",
       "Authorization, Content-Type, Content-Encoding, Accept, Accept-Encoding, X-Api-Key, "
       "X-Arc-Database"},
      // Chromium's ceiling (2 h); Firefox allows longer.
      {"Access-Control-Max-Age", "7200"},
  };
  return r;
}

CorsPolicy::Headers CorsPolicy::ResponseHeaders(const std::string& allow_origin) {
  return {{"Access-Control-Allow-Origin", allow_origin},
          {"Access-Control-Expose-Headers",
           "Content-Type, Content-Encoding, Content-Length, Retry-After, X-Influxdb-Version, "
           "X-Influxdb-Build, X-Influxdb-Error"}};
}

}  // namespace arc
