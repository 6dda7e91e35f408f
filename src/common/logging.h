// A small thread-safe logger writing lines like the seed's:
//   2025-10-08 14:30:00 [INFO] WAL recovery started: 4 files
// or one JSON object per line when the format is json.
#pragma once

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
