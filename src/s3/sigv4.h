// AWS Signature Version 4 for S3 requests (HMAC-SHA256 via OpenSSL).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace arc::s3 {

struct Credentials {
  std::string access_key;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

struct SignedRequest {
  std::string method;                                        // "GET", "PUT", ...
  std::string path;                                          // raw, e.g. "/bucket/a b.parquet"
  std::vector<std::pair<std::string, std::string>> query;    // raw (unencoded) pairs
  std::vector<std::pair<std::string, std::string>> headers;  // must include host, x-amz-date
  std::string payload_sha256;                                // hex, or "UNSIGNED-PAYLOAD"
};

// RFC 3986 percent-encoding of everything but A-Z a-z 0-9 - _ . ~ (and '/' unless
// `encode_slash`), as SigV4 requires.
std::string UriEncode(std::string_view s, bool encode_slash);
// "k1=v1&k2=v2": encoded, sorted by key then value.
std::string CanonicalQuery(const std::vector<std::pair<std::string, std::string>>& query);
// The canonical request of SigV4 (exposed for tests and error messages).
std::string CanonicalRequest(const SignedRequest& r, std::string* signed_headers);
// The Authorization header value for `r` at `amz_date` ("YYYYMMDDTHHMMSSZ"). Thread-safe.
std::string Authorization(const Credentials& c, const SignedRequest& r, const std::string& amz_date);

std::string Sha256Hex(std::string_view data);
// "YYYYMMDDTHHMMSSZ" of the current UTC time.
std::string AmzDateNow();

}  // namespace arc::s3
