// A small thread-safe logger writing lines like the seed's:
//   2025-10-08 14:30:00 [INFO] WAL recovery started: 4 files
// or one JSON object per line when the format is json:
//   {"level":"INFO","msg":"WAL recovery started: 4 files","time":"2025-10-08T12:30:00.123Z"}
#pragma once

#include <cstdint>
#include <sstream>
#include <string>

#include "common/enums.h"

namespace arc {

// Process-wide settings; call before starting threads. Not thread-safe against logging.
void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);

// Writes one line to stderr (atomically with respect to other log calls). Thread-safe.
void LogLine(LogLevel level, const std::string& message);
bool LogEnabled(LogLevel level);

// One log line, newline included, for a message logged at `unix_ms` (milliseconds since the
// epoch). Console: "2026-12-02 17:30:00 [INFO] msg" in local time. JSON: one object
// {"time": RFC 3339 UTC with milliseconds, e.g. "2026-12-02T16:30:00.123Z", "level", "msg"}
// on one line, whatever the message holds (quotes, newlines, invalid UTF-8 replaced). Pure.
std::string FormatLogLine(LogFormat format, LogLevel level, const std::string& message,
                          int64_t unix_ms);

}  // namespace arc

#define ARC_LOG(level, expr)                                      \
  do {                                                            \
    if (::arc::LogEnabled(::arc::LogLevel::level)) {              \
      std::ostringstream arc_log_os_;                             \
      arc_log_os_ << expr;                                        \
      ::arc::LogLine(::arc::LogLevel::level, arc_log_os_.str());  \
    }                                                             \
  } while (0)
#define LOG_DEBUG(expr) ARC_LOG(kDebug, expr)
#define LOG_INFO(expr) ARC_LOG(kInfo, expr)
#define LOG_WARN(expr) ARC_LOG(kWarn, expr)
#define LOG_ERROR(expr) ARC_LOG(kError, expr)
