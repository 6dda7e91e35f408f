#include "ingest/time_units.h"

#include <chrono>
#include <cmath>
#include <string>

namespace arc {
namespace {

Result<int64_t> Multiply(int64_t value, int64_t factor) {
  int64_t out = 0;
  if (__builtin_mul_overflow(value, factor, &out)) {
    return Status::InvalidArgument("timestamp " + std::to_string(value) + " is out of range");
  }
  return out;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

Result<Precision> ParsePrecision(std::string_view text) {
  if (text.empty() || text == "ns" || text == "n") return Precision::kNanoseconds;
  if (text == "us" || text == "u" || text == "\xc2\xb5s") return Precision::kMicroseconds;
  if (text == "ms") return Precision::kMilliseconds;
  if (text == "s") return Precision::kSeconds;
  if (text == "m") return Precision::kMinutes;
  if (text == "h") return Precision::kHours;
  return Status::InvalidArgument("invalid precision \"" + std::string(text) +
                                 "\" (expected ns, us, ms, s, m or h)");
}

Result<int64_t> ToMicros(int64_t value, Precision precision) {
  switch (precision) {
    case Precision::kNanoseconds: return FloorDiv(value, 1000);
    case Precision::kMicroseconds: return value;
    case Precision::kMilliseconds: return Multiply(value, 1000);
    case Precision::kSeconds: return Multiply(value, 1000000);
    case Precision::kMinutes: return Multiply(value, 60000000);
    case Precision::kHours: return Multiply(value, 3600000000LL);
  }
  return value;
}

Result<int64_t> MicrosFromMagnitude(int64_t value) {
  const uint64_t mag = value < 0 ? 0ull - static_cast<uint64_t>(value) : value;
  if (mag < 10000000000ull) return value * 1000000;
  if (mag < 10000000000000ull) return value * 1000;
  if (mag < 10000000000000000ull) return value;
  return FloorDiv(value, 1000);
}

Result<int64_t> MicrosFromMagnitude(double value) {
  if (!std::isfinite(value)) return Status::InvalidArgument("timestamp is not a finite number");
  const double mag = std::fabs(value);
  double us = value;
  if (mag < 1e10) us = value * 1e6;
  else if (mag < 1e13) us = value * 1e3;
  else if (mag < 1e16) us = value;
  else us = value / 1e3;
  if (std::fabs(us) > 9.2e18) return Status::InvalidArgument("timestamp is out of range");
  return static_cast<int64_t>(std::floor(us));
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace arc
