// Time values in InfluxQL: the literals a WHERE clause compares `time` with, and the RFC 3339
// text InfluxDB answers with. Times are int64 nanoseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace arc::influxql {

// "2023-01-01T00:00:00Z", "2023-01-01T00:00:00.5+01:00", "2023-01-01 00:00:00", "2023-01-01"
// → nanoseconds. InvalidArgument naming the text otherwise.
Result<int64_t> ParseTimeLiteral(std::string_view text);

// Go's RFC3339Nano in UTC: "2023-01-01T00:00:00Z", "2023-01-01T00:00:00.5Z" (trailing zeros
// of the fraction dropped), as InfluxDB writes times.
std::string FormatRfc3339(int64_t ns);

// Floor division for bucket arithmetic (C++ rounds toward zero).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace arc::influxql
