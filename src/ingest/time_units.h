// Timestamp units: line protocol precision and msgpack magnitude detection, all to microseconds.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace arc {

enum class Precision { kNanoseconds, kMicroseconds, kMilliseconds, kSeconds, kMinutes, kHours };

// Accepts ns/n, us/u, ms, s, m, h (InfluxDB 1.x and 2.x spellings); empty means ns.
Result<Precision> ParsePrecision(std::string_view text);

// Converts a timestamp in `precision` to microseconds (floor for sub-microsecond units).
// InvalidArgument when the result would overflow int64.
Result<int64_t> ToMicros(int64_t value, Precision precision);

// msgpack: < 1e10 seconds, < 1e13 ms, < 1e16 us, else ns (by absolute value).
Result<int64_t> MicrosFromMagnitude(int64_t value);
Result<int64_t> MicrosFromMagnitude(double value);

inline constexpr int64_t kMicrosPerHour = 3600LL * 1000000LL;

// floor(time_us / 1 hour): the UTC hour since the epoch a row's time falls in.
inline int64_t HourOf(int64_t time_us) {
  return time_us >= 0 ? time_us / kMicrosPerHour : -((-time_us + kMicrosPerHour - 1) / kMicrosPerHour);
}

// Microseconds since the epoch, from the system clock.
int64_t NowMicros();

}  // namespace arc
