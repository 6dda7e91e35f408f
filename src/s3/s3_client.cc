#include "s3/s3_client.h"

#include <curl/curl.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

namespace arc::s3 {
namespace {

std::once_flag g_curl_init;

struct Handle {
  CURL* curl = nullptr;
  Handle() { curl = curl_easy_init(); }
  ~Handle() { curl_easy_cleanup(curl); }
};

CURL* ThreadCurl() {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  thread_local Handle handle;
  curl_easy_reset(handle.curl);
  return handle.curl;
}

size_t AppendBody(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

size_t TakeEtag(char* p, size_t size, size_t n, void* out) {
  std::string line(p, size * n);
  if (line.size() > 5 && (line.compare(0, 5, "ETag:") == 0 || line.compare(0, 5, "etag:") == 0)) {
    std::string v = line.substr(5);
    while (!v.empty() && (v.front() == ' ')) v.erase(0, 1);
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
    *static_cast<std::string*>(out) = v;
  }
  return size * n;
}

std::string Unescape(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities) {
    for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + 1)) {
      s.replace(pos, std::strlen(from), to);
    }
  }
  return s;
}

}  // namespace

std::string XmlValue(const std::string& xml, const std::string& tag, size_t from, size_t* end) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  const size_t a = xml.find(open, from);
  if (a == std::string::npos) return "";
  const size_t b = xml.find(close, a);
  if (b == std::string::npos) return "";
  if (end != nullptr) *end = b + close.size();
  return Unescape(xml.substr(a + open.size(), b - a - open.size()));
}

S3Client::S3Client(S3Options options) : options_(std::move(options)) {
  std::string endpoint = options_.endpoint;
  if (endpoint.empty()) endpoint = "s3." + options_.region + ".amazonaws.com";
  if (endpoint.find("://") == std::string::npos) endpoint = (options_.use_ssl ? "https://" : "http://") + endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  const size_t host_at = endpoint.find("://") + 3;
  const std::string scheme = endpoint.substr(0, host_at);
  const std::string host = endpoint.substr(host_at);
  if (options_.path_style) {
    scheme_host_ = endpoint;
    host_header_ = host;
  } else {
    scheme_host_ = scheme + options_.bucket + "." + host;
    host_header_ = options_.bucket + "." + host;
  }
}

Result<S3Reply> S3Client::SendOnce(const std::string& method, const std::string& key,
                                   const std::vector<std::pair<std::string, std::string>>& query,
                                   std::string_view body) {
  // Bucket-level requests (empty key) are "/bucket" in path style and "/" with a virtual host.
  std::string path = (options_.path_style ? "/" + options_.bucket : std::string());
  if (!key.empty() || path.empty()) path += "/" + key;
  const std::string canonical_query = CanonicalQuery(query);
  const std::string url = scheme_host_ + UriEncode(path, false) + (canonical_query.empty() ? "" : "?" + canonical_query);
  const std::string amz_date = AmzDateNow();
  const std::string payload_hash = Sha256Hex(body);
  SignedRequest req{method, path, query,
                    {{"host", host_header_}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", amz_date}},
                    payload_hash};
  const Credentials creds{options_.access_key, options_.secret_key, options_.region, "s3"};
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: " + Authorization(creds, req, amz_date)).c_str());
  headers = curl_slist_append(headers, ("x-amz-content-sha256: " + payload_hash).c_str());
  headers = curl_slist_append(headers, ("x-amz-date: " + amz_date).c_str());
  headers = curl_slist_append(headers, "Expect:");
  headers = curl_slist_append(headers, "Content-Type:");
  CURL* c = ThreadCurl();
  S3Reply reply;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, TakeEtag);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &reply.etag);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Status::Unavailable("S3 " + method + " " + url + ": " + curl_easy_strerror(rc));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Result<S3Reply> S3Client::Send(const std::string& method, const std::string& key,
                               const std::vector<std::pair<std::string, std::string>>& query,
                               std::string_view body) {
  Result<S3Reply> last = Status::Unavailable("S3: no attempt made");
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100 << (attempt - 1)));
    last = SendOnce(method, key, query, body);
    if (last.ok() && last->status < 500) return last;  // 2xx, or a 4xx that no retry fixes
  }
  return last;
}

Status S3Client::ErrorFrom(const std::string& what, const S3Reply& reply) const {
  const std::string code = XmlValue(reply.body, "Code");
  const std::string message = XmlValue(reply.body, "Message");
  std::string text = what + ": HTTP " + std::to_string(reply.status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += " (" + message + ")";
  if (code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId" || reply.status == 403) {
    text += " — check storage.s3_access_key and storage.s3_secret_key";
    return Status::PermissionDenied(text);
  }
  if (code == "NoSuchBucket") return Status::NotFound(text + " — create bucket \"" + options_.bucket + "\" first");
  if (reply.status >= 500) return Status::Unavailable(text);
  return Status::IOError(text);
}

Status S3Client::CheckBucket() {
  // A listing of a prefix that holds nothing: cheap on any bucket, and it returns S3's error
  // codes (a HEAD would not). (s3rver answers 500 to max-keys=1 on a truncated listing.)
  ARC_ASSIGN_OR_RETURN(S3Reply r, Send("GET", "", {{"list-type", "2"}, {"prefix", ".arc-bucket-check/"}}, ""));
  if (r.status == 200) return Status::OK();
  return ErrorFrom("S3 bucket \"" + options_.bucket + "\" at " + scheme_host_, r);
}

Status S3Client::PutObject(const std::string& key, std::string_view data) {
  ARC_ASSIGN_OR_RETURN(S3Reply r, Send("PUT", key, {}, data));
  return r.status == 200 ? Status::OK() : ErrorFrom("S3 PUT " + key, r);
}

Status S3Client::UploadFile(const std::string& key, const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return Status::IOError("cannot open " + path);
  const uint64_t size = static_cast<uint64_t>(f.tellg());
  if (size > options_.part_size) return Multipart(key, path, size);
  std::string data(size, '\0');
  f.seekg(0);
  f.read(data.data(), static_cast<std::streamsize>(size));
  return PutObject(key, data);
}

Status S3Client::Multipart(const std::string& key, const std::string& path, uint64_t size) {
  ARC_ASSIGN_OR_RETURN(S3Reply init, Send("POST", key, {{"uploads", ""}}, ""));
  if (init.status != 200) return ErrorFrom("S3 multipart start " + key, init);
  const std::string upload_id = XmlValue(init.body, "UploadId");
  if (upload_id.empty()) return Status::IOError("S3 multipart start " + key + ": no UploadId");
  std::ifstream f(path, std::ios::binary);
  std::string complete = "<CompleteMultipartUpload>";
  Status st;
  std::string part(options_.part_size, '\0');
  for (uint64_t offset = 0, number = 1; offset < size && st.ok(); offset += options_.part_size, ++number) {
    const uint64_t n = std::min<uint64_t>(options_.part_size, size - offset);
    f.read(part.data(), static_cast<std::streamsize>(n));
    Result<S3Reply> r = Send("PUT", key, {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}},
                             std::string_view(part.data(), n));
    if (!r.ok()) st = r.status();
    else if (r->status != 200) st = ErrorFrom("S3 upload part " + std::to_string(number) + " of " + key, *r);
    else complete += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + r->etag + "</ETag></Part>";
  }
  if (st.ok()) {
    complete += "</CompleteMultipartUpload>";
    Result<S3Reply> r = Send("POST", key, {{"uploadId", upload_id}}, complete);
    if (!r.ok()) st = r.status();
    else if (r->status != 200 || r->body.find("<Error>") != std::string::npos) st = ErrorFrom("S3 multipart complete " + key, *r);
  }
  if (!st.ok()) (void)Send("DELETE", key, {{"uploadId", upload_id}}, "");  // abort: free the parts
  return st;
}

Result<std::string> S3Client::GetObject(const std::string& key) {
  ARC_ASSIGN_OR_RETURN(S3Reply r, Send("GET", key, {}, ""));
  if (r.status != 200) return ErrorFrom("S3 GET " + key, r);
  return std::move(r.body);
}

Result<std::vector<std::string>> S3Client::ListKeys(const std::string& prefix) {
  std::vector<std::string> keys;
  std::string token;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> q = {{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) q.emplace_back("continuation-token", token);
    ARC_ASSIGN_OR_RETURN(S3Reply r, Send("GET", "", q, ""));
    if (r.status != 200) return ErrorFrom("S3 list " + prefix, r);
    size_t pos = 0, end = 0;
    for (std::string k = XmlValue(r.body, "Key", pos, &end); !k.empty(); k = XmlValue(r.body, "Key", pos, &end)) {
      keys.push_back(k);
      pos = end;
    }
    if (XmlValue(r.body, "IsTruncated") != "true") break;
    token = XmlValue(r.body, "NextContinuationToken");
    if (token.empty()) break;
  }
  return keys;
}

Status S3Client::DeleteObject(const std::string& key) {
  ARC_ASSIGN_OR_RETURN(S3Reply r, Send("DELETE", key, {}, ""));
  return (r.status == 204 || r.status == 200) ? Status::OK() : ErrorFrom("S3 DELETE " + key, r);
}

}  // namespace arc::s3
