// Time formatting shared by the endpoints.
#pragma once

#include <string>

namespace arc {

// The current UTC time as RFC 3339 with seconds, e.g. "2026-11-23T23:33:19Z". Thread-safe.
std::string UtcNowRfc3339();

}  // namespace arc
