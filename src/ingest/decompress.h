// Request body decompression (gzip via libdeflate, zstd), bounded by the payload limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace arc {

enum class BodyEncoding { kIdentity, kGzip, kZstd };

// From magic bytes (1f 8b, 28 b5 2f fd) first, then the Content-Encoding header.
// InvalidArgument for an unsupported Content-Encoding.
Result<BodyEncoding> DetectEncoding(std::string_view body, std::string_view content_encoding);

// Decompresses `body` into `*out`. More than `max_size` decompressed bytes is PayloadTooLarge
// (a gzip bomb stops there); corrupt or truncated input is InvalidArgument. Thread-safe.
Status Decompress(std::string_view body, BodyEncoding encoding, uint64_t max_size,
                  std::string* out);

}  // namespace arc
