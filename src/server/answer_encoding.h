// Which answers are gzipped (docs/protocol.md, "Compressed answers"): the Accept-Encoding
// negotiation, and the step that compresses an HttpResponse when it qualifies.
#pragma once

#include <cstddef>
#include <string_view>

#include "server/http_types.h"

namespace arc {

// True when an Accept-Encoding value accepts gzip: the q-value of "gzip" (or "x-gzip"), else
// of "*", is above 0. Names are case-insensitive; an element with a malformed q-value counts
// as absent. Pure.
bool AcceptsGzip(std::string_view accept_encoding);

// False for content types that are compressed already (gzip, zstd, zip, Parquet, octet
// streams, images, audio, video). Pure.
bool IsCompressibleType(std::string_view content_type);

// What the request allows, fixed when its head is read.
struct AnswerEncoding {
  bool gzip = false;          // the client accepts gzip, and the method is not HEAD
  size_t min_bytes = 1024;    // smaller whole bodies are sent as they are
  int level = 1;              // zlib level
};

// Gzips `resp` in place when it qualifies (status, content type, no Content-Encoding of its
// own, size or streamed) and `enc.gzip`: the body now, on the calling thread, or the stream
// piece by piece as it is read. Every answer that qualifies but for the client's choice gets
// Vary: Accept-Encoding. An encoder failure leaves the answer uncompressed.
void EncodeAnswer(const AnswerEncoding& enc, HttpResponse* resp);

}  // namespace arc
