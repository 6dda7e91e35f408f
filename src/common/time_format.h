// Time formatting shared by the endpoints.
#pragma once

#include <cstdint>
#include <string>

namespace arc {

// The current UTC time formatted with strftime's `format`. Thread-safe.
std::string FormatUtcNow(const char* format);
// Seconds since the epoch now (the system clock). Thread-safe.
int64_t NowUnixSeconds();
// `seconds` since the epoch as RFC 3339 UTC with seconds. Thread-safe.
std::string FormatRfc3339(int64_t seconds);
// The current UTC time as RFC 3339 with seconds, e.g. "2026-11-23T23:33:19Z". Thread-safe.
std::string UtcNowRfc3339();

// Seconds since the epoch of a UTC calendar time (month 1–12).
int64_t UtcSeconds(int year, int month, int day, int hour = 0, int minute = 0, int second = 0);

}  // namespace arc
