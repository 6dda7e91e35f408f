#include "s3/sigv4.h"

#include "common/time_format.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>

namespace arc::s3 {
namespace {

std::string Hex(const unsigned char* p, size_t n) {
  static const char* const kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kHex[p[i] >> 4];
    out += kHex[p[i] & 15];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Trim(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return Hex(digest, len);
}

std::string UriEncode(std::string_view s, bool encode_slash) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encode_slash)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (const auto& [k, v] : query) enc.emplace_back(UriEncode(k, true), UriEncode(v, true));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [k, v] : enc) out += (out.empty() ? "" : "&") + k + "=" + v;
  return out;
}

std::string CanonicalRequest(const SignedRequest& r, std::string* signed_headers) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [k, v] : r.headers) {
    std::string name = k;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    headers.emplace_back(name, Trim(v));
  }
  std::sort(headers.begin(), headers.end());
  std::string canonical_headers;
  signed_headers->clear();
  for (const auto& [k, v] : headers) {
    canonical_headers += k + ":" + v + "\n";
    *signed_headers += (signed_headers->empty() ? "" : ";") + k;
  }
  const std::string path = r.path.empty() ? "/" : UriEncode(r.path, false);
  return r.method + "\n" + path + "\n" + CanonicalQuery(r.query) + "\n" + canonical_headers + "\n" +
         *signed_headers + "\n" + r.payload_sha256;
}

std::string Authorization(const Credentials& c, const SignedRequest& r, const std::string& amz_date) {
  std::string signed_headers;
  const std::string canonical = CanonicalRequest(r, &signed_headers);
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + c.region + "/" + c.service + "/aws4_request";
  const std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  const std::string key = Hmac(Hmac(Hmac(Hmac("AWS4" + c.secret_key, date), c.region), c.service), "aws4_request");
  const std::string sig = Hmac(key, to_sign);
  return "AWS4-HMAC-SHA256 Credential=" + c.access_key + "/" + scope + ", SignedHeaders=" + signed_headers +
         ", Signature=" + Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

std::string AmzDateNow() { return FormatUtcNow("%Y%m%dT%H%M%SZ"); }

}  // namespace arc::s3
