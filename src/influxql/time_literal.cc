#include "influxql/time_literal.h"

#include <cstdio>

#include "common/time_format.h"

namespace arc::influxql {
namespace {

bool Digits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<int64_t> ParseTimeLiteral(std::string_view text) {
  const auto bad = [&] {
    return Status::InvalidArgument("invalid time literal '" + std::string(text.substr(0, 64)) +
                                   "': expected RFC 3339 (2006-01-02T15:04:05Z)");
  };
  int y, mo, d, h = 0, mi = 0, s = 0;
  if (!Digits(text, 0, 4, &y) || text.size() < 10 || text[4] != '-' || !Digits(text, 5, 2, &mo) ||
      text[7] != '-' || !Digits(text, 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return bad();
  }
  size_t i = 10;
  int64_t frac_ns = 0;
  int64_t offset_s = 0;
  if (i < text.size()) {
    if (text[i] != 'T' && text[i] != ' ') return bad();
    if (!Digits(text, i + 1, 2, &h) || text.size() < i + 9 || text[i + 3] != ':' ||
        !Digits(text, i + 4, 2, &mi) || text[i + 6] != ':' || !Digits(text, i + 7, 2, &s) ||
        h > 23 || mi > 59 || s > 60) {
      return bad();
    }
    i += 9;
    if (i < text.size() && text[i] == '.') {
      ++i;
      int64_t scale = 100000000;
      const size_t start = i;
      while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        frac_ns += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
      }
      if (i == start) return bad();
    }
    if (i < text.size()) {
      if (text[i] == 'Z' && i + 1 == text.size()) {
        ++i;
      } else if ((text[i] == '+' || text[i] == '-') && text.size() == i + 6 && text[i + 3] == ':') {
        int oh, om;
        if (!Digits(text, i + 1, 2, &oh) || !Digits(text, i + 4, 2, &om)) return bad();
        offset_s = (oh * 3600 + om * 60) * (text[i] == '+' ? 1 : -1);
        i += 6;
      } else {
        return bad();
      }
    }
  }
  static const int kDaysIn[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > kDaysIn[mo - 1] + (mo == 2 && leap ? 1 : 0)) return bad();
  const int64_t secs = UtcSeconds(y, mo, d, h, mi, s) - offset_s;
  int64_t ns = 0;
  if (__builtin_mul_overflow(secs, int64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, frac_ns, &ns)) {
    return Status::InvalidArgument("time literal '" + std::string(text) + "' is out of range");
  }
  return ns;
}

std::string FormatRfc3339(int64_t ns) {
  const int64_t secs = FloorDiv(ns, 1000000000);
  int64_t frac = ns % 1000000000;  // not ns - secs * 1e9: that overflows before 1677-09-21T00:12:44Z
  if (frac < 0) frac += 1000000000;
  std::string out = ::arc::FormatRfc3339(secs);  // "...:SSZ" (common/time_format)
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof(f), "%09lld", static_cast<long long>(frac));
    std::string digits = f;
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    out.insert(out.size() - 1, "." + digits);
  }
  return out;
}

}  // namespace arc::influxql
