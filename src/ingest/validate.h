// What storage can hold, checked at ingest: a write that breaks a rule is a 400 naming the
// problem, never a row that every later flush or query trips over.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace arc {

// The time range of a row: InfluxDB's (int64 nanoseconds since the epoch), from
// 1677-09-21T00:12:43.145225Z to 2262-04-11T23:47:16.854775Z, in microseconds. Every hour
// folder of that range has a four-digit year.
inline constexpr int64_t kMinTimeUs = -9223372036854775LL;
inline constexpr int64_t kMaxTimeUs = 9223372036854775LL;
// Longest tag or field key, in bytes.
inline constexpr size_t kMaxColumnNameBytes = 256;

// OK when `time_us` is inside [kMinTimeUs, kMaxTimeUs].
Status ValidateTime(int64_t time_us);

// A tag or field key: 1–256 bytes of valid UTF-8, no control characters (NUL included), and
// not "time" in any case (the time column's name; DuckDB names are case-insensitive).
Status ValidateColumnName(std::string_view name);

// A tag value: valid UTF-8 without NUL. A string field value: valid UTF-8.
Status ValidateTagValue(std::string_view value);
Status ValidateStringField(std::string_view value);

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

}  // namespace arc
