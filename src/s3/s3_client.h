// S3Client: the S3 calls arc needs (bucket check, put, multipart upload, get, list, delete),
// signed with SigV4, over libcurl, retried with exponential backoff on 5xx and transport errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "s3/sigv4.h"

namespace arc::s3 {

struct S3Options {
  std::string endpoint;        // "http://127.0.0.1:9000"; empty = https://s3.<region>.amazonaws.com
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key, secret_key;
  bool use_ssl = true;         // scheme when the endpoint has none
  bool path_style = false;     // bucket in the path instead of the host name
  int max_attempts = 4;        // per request
  uint64_t part_size = 16ull << 20;  // multipart above this size, in parts of this size
};

struct S3Reply {
  long status = 0;
  std::string body;
  std::string etag;
};

// Thread-safe: each thread uses its own curl handle (kept alive: connection reuse).
class S3Client {
 public:
  explicit S3Client(S3Options options);

  // Lists one key of the bucket: OK, or an error naming the problem (unreachable endpoint,
  // wrong credentials, missing bucket).
  Status CheckBucket();
  Status PutObject(const std::string& key, std::string_view data);
  // Uploads a local file: one PUT up to part_size, multipart above.
  Status UploadFile(const std::string& key, const std::string& path);
  Result<std::string> GetObject(const std::string& key);
  // Every key under `prefix` (all pages).
  Result<std::vector<std::string>> ListKeys(const std::string& prefix);
  Status DeleteObject(const std::string& key);
  const S3Options& options() const { return options_; }

 private:
  Result<S3Reply> Send(const std::string& method, const std::string& key,
                       const std::vector<std::pair<std::string, std::string>>& query,
                       std::string_view body);
  Result<S3Reply> SendOnce(const std::string& method, const std::string& key,
                           const std::vector<std::pair<std::string, std::string>>& query,
                           std::string_view body);
  Status Multipart(const std::string& key, const std::string& path, uint64_t size);
  Status ErrorFrom(const std::string& what, const S3Reply& reply) const;

  const S3Options options_;
  std::string scheme_host_;    // "http://host:port"
  std::string host_header_;    // "host:port" or "bucket.host"
};

// The text of the first <tag>…</tag> in `xml` (unescaped), or "".
std::string XmlValue(const std::string& xml, const std::string& tag, size_t from = 0, size_t* end = nullptr);

}  // namespace arc::s3
