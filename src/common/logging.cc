#include "common/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <nlohmann/json.hpp>

namespace arc {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<bool> g_json{false};
std::mutex g_mu;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarn: return "WARNING";
    case LogLevel::kError: return "ERROR";
  }
  return "INFO";
}

std::string LocalTimestamp(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// RFC 3339, UTC, milliseconds: what log shippers (Loki, Elastic, Datadog) parse without help.
std::string UtcTimestampMillis(int64_t unix_ms) {
  const int64_t floor_ms = unix_ms >= 0 ? unix_ms : unix_ms - 999;  // round toward -inf
  const std::time_t seconds = static_cast<std::time_t>(floor_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(unix_ms - seconds * 1000LL));
  return buf;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
void SetLogFormat(LogFormat format) { g_json = format == LogFormat::kJson; }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

std::string FormatLogLine(LogFormat format, LogLevel level, const std::string& message,
                          int64_t unix_ms) {
  if (format == LogFormat::kJson) {
    const nlohmann::json j = {
        {"time", UtcTimestampMillis(unix_ms)}, {"level", LevelName(level)}, {"msg", message}};
    // dump escapes control characters, so a message with newlines stays one line.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  // Control characters are written as \n, \t or \xNN: a message that carries text a client
  // chose (a query's error) can never start a line of its own that looks like ours.
  std::string text;
  text.reserve(message.size());
  for (const char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      text += "\\n";
    } else if (c == '\t') {
      text += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02X", u);
      text += hex;
    } else {
      text += c;
    }
  }
  return LocalTimestamp(unix_ms) + " [" + LevelName(level) + "] " + text + "\n";
}

void LogLine(LogLevel level, const std::string& message) {
  const std::string line =
      FormatLogLine(g_json ? LogFormat::kJson : LogFormat::kConsole, level, message, NowMillis());
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace arc
