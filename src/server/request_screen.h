// ScreenRequestHead: checks an HTTP/1.1 request head (the request line and header fields, up
// to and including the empty line) for what RFC 9112 says a server must reject and what lets
// a request be smuggled past a proxy that reads it differently. Runs before the HTTP parser,
// which accepts some of these.
#pragma once

#include <string_view>

#include "common/status.h"

namespace arc {

// InvalidArgument naming the problem for: obs-fold (a field line starting with SP or HT),
// Content-Length together with Transfer-Encoding, several or malformed Content-Length
// values, a Transfer-Encoding other than exactly "chunked", a bare CR, NUL or other control
// characters in the head, a field name that is not a token, a head that does not end with an
// empty line. Thread-safe; never reads past `head`.
Status ScreenRequestHead(std::string_view head);

}  // namespace arc
