#include "wal/segment_name.h"

#include <cstdio>
#include <ctime>

#include "common/time_format.h"

namespace arc::wal {

std::string FormatSegmentName(int worker, int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "worker-%d-%04d%02d%02d_%02d%02d%02d.wal", worker,
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<SegmentName> ParseSegmentName(const std::string& name) {
  SegmentName out;
  int y, mo, d, h, mi, s, consumed = 0;
  if (std::sscanf(name.c_str(), "worker-%d-%4d%2d%2d_%2d%2d%2d.wal%n", &out.worker, &y, &mo, &d,
                  &h, &mi, &s, &consumed) != 7 || consumed == 0) {
    return std::nullopt;
  }
  const std::string rest = name.substr(static_cast<size_t>(consumed));
  if (rest == ".recovered") out.recovered = true;
  else if (!rest.empty()) return std::nullopt;
  if (out.worker < 1) return std::nullopt;
  out.unix_seconds = UtcSeconds(y, mo, d, h, mi, s);
  if (FormatSegmentName(out.worker, out.unix_seconds) + (out.recovered ? ".recovered" : "") != name) {
    return std::nullopt;  // not canonical (e.g. month 13)
  }
  return out;
}

std::string ManifestName(int worker) { return "worker-" + std::to_string(worker) + ".manifest"; }

std::string SpareName(int worker) { return "worker-" + std::to_string(worker) + ".spare"; }

std::optional<int> ParseSpareName(const std::string& name) {
  int worker = 0, consumed = 0;
  if (std::sscanf(name.c_str(), "worker-%d.spare%n", &worker, &consumed) != 1 || consumed == 0 ||
      worker < 1 || SpareName(worker) != name) {
    return std::nullopt;  // trailing bytes, or not canonical ("worker-01.spare")
  }
  return worker;
}

}  // namespace arc::wal
