#include "server/answer_encoding.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "server/gzip_body.h"

namespace arc {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsNoCase(s.substr(0, prefix.size()), prefix);
}

// RFC 9110 qvalue: "0" ["." 0*3DIGIT] or "1" ["." 0*3("0")], in thousandths; nullopt when
// malformed.
std::optional<int> ParseQValue(std::string_view v) {
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) return q;
  if (v[1] != '.' || v.size() > 5) return std::nullopt;
  int scale = 100;
  for (const char c : v.substr(2)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    q += (c - '0') * scale;
    scale /= 10;
  }
  return q <= 1000 ? std::optional<int>(q) : std::nullopt;
}

// One element "coding;q=0.5;other=x": its coding and q (1000 without q), or nullopt.
struct Coding {
  std::string_view name;
  int q = 1000;
};

std::optional<Coding> ParseElement(std::string_view element) {
  Coding c;
  size_t semi = element.find(';');
  c.name = Trim(element.substr(0, semi));
  if (c.name.empty()) return std::nullopt;
  while (semi != std::string_view::npos) {
    const size_t next = element.find(';', semi + 1);
    const std::string_view param = Trim(element.substr(semi + 1, next == std::string_view::npos
                                                                     ? std::string_view::npos
                                                                     : next - semi - 1));
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && EqualsNoCase(Trim(param.substr(0, eq)), "q")) {
      const std::optional<int> q = ParseQValue(Trim(param.substr(eq + 1)));
      if (!q) return std::nullopt;
      c.q = *q;
    }
    semi = next;
  }
  return c;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  std::optional<int> gzip_q, any_q;
  size_t start = 0;
  while (start <= accept_encoding.size()) {
    const size_t comma = std::min(accept_encoding.find(',', start), accept_encoding.size());
    const std::optional<Coding> c = ParseElement(accept_encoding.substr(start, comma - start));
    start = comma + 1;
    if (!c) continue;
    // A coding named twice: the first one counts.
    if ((EqualsNoCase(c->name, "gzip") || EqualsNoCase(c->name, "x-gzip")) && !gzip_q) gzip_q = c->q;
    if (c->name == "*" && !any_q) any_q = c->q;
  }
  if (gzip_q) return *gzip_q > 0;
  return any_q && *any_q > 0;
}

bool IsCompressibleType(std::string_view content_type) {
  const std::string_view type = Trim(content_type.substr(0, content_type.find(';')));
  static constexpr std::string_view kCompressed[] = {
      "application/gzip", "application/x-gzip", "application/zstd", "application/zip",
      "application/octet-stream", "application/vnd.apache.parquet", "application/x-parquet",
      // Arrow answers exist for throughput, and their usual clients (pyarrow through requests,
      // Arc's Python client) ask for gzip by default: at ~170 MB/s a core, level 1 would be
      // slower than the stream it compresses.
      "application/vnd.apache.arrow.stream"};
  for (const std::string_view c : kCompressed) {
    if (EqualsNoCase(type, c)) return false;
  }
  return !StartsWithNoCase(type, "image/") && !StartsWithNoCase(type, "audio/") &&
         !StartsWithNoCase(type, "video/");
}

void EncodeAnswer(const AnswerEncoding& enc, HttpResponse* resp) {
  if (resp->status < 200 || resp->status == 204 || resp->status == 304) return;
  if (!IsCompressibleType(resp->content_type)) return;
  for (const auto& [name, value] : resp->headers) {
    if (EqualsNoCase(name, "content-encoding")) return;
  }
  if (!resp->stream && resp->body.size() < enc.min_bytes) return;
  resp->headers.emplace_back("Vary", "Accept-Encoding");
  if (!enc.gzip) return;
  if (resp->stream) {
    resp->stream = std::make_shared<GzipBodyStream>(std::move(resp->stream), enc.level);
  } else {
    Result<std::string> gz = GzipCompressWhole(resp->body, enc.level);
    if (!gz.ok()) return;
    resp->body = std::move(*gz);
  }
  resp->headers.emplace_back("Content-Encoding", "gzip");
}

}  // namespace arc
