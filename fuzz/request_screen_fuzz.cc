// libFuzzer target: the HTTP request path in front of the handlers, as HttpServer runs it:
// the head (everything up to and including the first empty line) goes through
// ScreenRequestHead; when the screen accepts it, Boost.Beast's request_parser parses the
// head and then the body bytes that follow (header_limit 64 KiB, body_limit 1 MiB).
// Input: the bytes a client sends on a fresh connection.
// Invariants: nothing crashes or reads out of bounds; the screen answers InvalidArgument or
// OK; and when the screen accepted and Beast parsed the head, Beast saw what the screen
// promises to let through: at most one Content-Length, never Content-Length together with
// Transfer-Encoding, a Transfer-Encoding only as "chunked" (no request smuggling between the
// screen's reading of the head and the parser's).
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "server/request_screen.h"

namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arc;
  const std::string_view input = fuzz::AsView(data, size);
  const size_t end = input.find("\r\n\r\n");
  const std::string_view head = end == std::string_view::npos ? input : input.substr(0, end + 4);
  const std::string_view rest = end == std::string_view::npos ? std::string_view() : input.substr(end + 4);

  const Status screened = ScreenRequestHead(head);
  if (!screened.ok()) {
    FUZZ_CHECK(screened.code() == StatusCode::kInvalidArgument, screened.ToString());
    return 0;
  }
  FUZZ_CHECK(end != std::string_view::npos, "accepted a head without an empty line");

  http::request_parser<http::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  const size_t used = parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec || !parser.is_header_done()) return 0;  // the server answers 400
  FUZZ_CHECK(used == head.size(), "Beast consumed " + std::to_string(used) + " of a " +
                                      std::to_string(head.size()) + "-byte head");

  const auto& msg = parser.get();
  size_t content_lengths = 0, transfer_encodings = 0;
  for (const auto& field : msg) {
    if (field.name() == http::field::content_length) ++content_lengths;
    if (field.name() == http::field::transfer_encoding) ++transfer_encodings;
  }
  FUZZ_CHECK(content_lengths <= 1, "Beast saw " + std::to_string(content_lengths) + " Content-Length fields");
  FUZZ_CHECK(!(content_lengths > 0 && transfer_encodings > 0), "Beast saw Content-Length and Transfer-Encoding");
  FUZZ_CHECK(transfer_encodings <= 1, "Beast saw several Transfer-Encoding fields");
  if (transfer_encodings > 0) FUZZ_CHECK(parser.chunked(), "a Transfer-Encoding that is not chunked");

  // The body, as the server feeds it after the head.
  parser.eager(true);
  size_t offset = 0;
  while (!parser.is_done() && offset < rest.size()) {
    const size_t n = parser.put(boost::asio::buffer(rest.data() + offset, rest.size() - offset), ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;
    if (n == 0) break;
    offset += n;
    FUZZ_CHECK(offset <= rest.size(), "Beast consumed more than it was given");
  }
  if (!parser.is_done() && !ec) {
    parser.put_eof(ec);
  }
  if (parser.is_done()) {
    FUZZ_CHECK(msg.body().size() <= 1024 * 1024, "body above body_limit");
    if (const auto length = parser.content_length(); length && !parser.chunked()) {
      // with a Content-Length the parser never reads past it
      FUZZ_CHECK(msg.body().size() == *length, "body of " + std::to_string(msg.body().size()) +
                                                   " bytes for Content-Length " + std::to_string(*length));
    }
  }
  return 0;
}
