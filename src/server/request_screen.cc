#include "server/request_screen.h"

#include <string>

namespace arc {
namespace {

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status Bad(const std::string& why) { return Status::InvalidArgument("malformed HTTP request: " + why); }

}  // namespace

Status ScreenRequestHead(std::string_view head) {
  if (head.size() < 4 || head.substr(head.size() - 4) != "\r\n\r\n") {
    return Bad("the header block does not end with an empty line");
  }
  for (size_t i = 0; i < head.size(); ++i) {
    const auto c = static_cast<unsigned char>(head[i]);
    if (c == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) return Bad("bare CR");
    if (c == '\n' && (i == 0 || head[i - 1] != '\r')) return Bad("bare LF");
    if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f) {
      return Bad("control character in the header");
    }
  }
  std::string_view rest = head.substr(0, head.size() - 2);  // the lines, each ending in CRLF
  const size_t first = rest.find("\r\n");
  rest.remove_prefix(first + 2);  // the request line is the parser's business
  int content_lengths = 0;
  std::string_view content_length;
  bool transfer_encoding = false;
  while (!rest.empty()) {
    const size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (line.empty()) return Bad("empty line inside the header");
    if (line[0] == ' ' || line[0] == '\t') return Bad("obsolete line folding (obs-fold)");
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Bad("a header line without a name");
    const std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c)) return Bad("invalid character in a header name");
    }
    const std::string_view value = Trim(line.substr(colon + 1));
    if (EqualsIgnoringCase(name, "content-length")) {
      ++content_lengths;
      if (value.empty() || value.size() > 19) return Bad("invalid Content-Length");
      for (char c : value) {
        if (c < '0' || c > '9') return Bad("invalid Content-Length");
      }
      if (content_lengths > 1 && value != content_length) return Bad("conflicting Content-Length headers");
      content_length = value;
    } else if (EqualsIgnoringCase(name, "transfer-encoding")) {
      if (transfer_encoding) return Bad("several Transfer-Encoding headers");
      transfer_encoding = true;
      if (!EqualsIgnoringCase(value, "chunked")) {
        return Bad("Transfer-Encoding other than chunked is not supported");
      }
    }
  }
  if (content_lengths > 0 && transfer_encoding) {
    return Bad("both Content-Length and Transfer-Encoding (a request smuggling pattern)");
  }
  if (content_lengths > 1) return Bad("several Content-Length headers");
  return Status::OK();
}

}  // namespace arc
