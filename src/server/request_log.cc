#include "server/request_log.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/logging.h"

namespace arc {
namespace {

constexpr size_t kMaxEndpoint = 200;
constexpr size_t kMaxReason = 300;
constexpr size_t kMaxCaller = 128;

// Cut at `max` bytes; control characters (a newline could forge a log line) become '?'.
std::string Clean(std::string_view s, size_t max) {
  std::string out;
  const size_t n = std::min(s.size(), max);
  out.reserve(n + 3);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

RequestLog::RequestLog(int max_per_second, Sink sink, Clock clock, std::function<bool()> debug)
    : max_per_second_(max_per_second),
      sink_(sink ? std::move(sink) : Sink([](LogLevel l, const std::string& m) { LogLine(l, m); })),
      clock_(clock ? std::move(clock) : Clock([] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
      })),
      debug_(debug ? std::move(debug)
                   : std::function<bool()>([] { return LogEnabled(LogLevel::kDebug); })) {}

std::string RequestLog::Reason(std::string_view body, std::string_view content_type) {
  if (body.empty()) return "";
  // Only small JSON bodies are parsed: error answers are short; anything else is cut.
  if (content_type.find("json") != std::string_view::npos && body.size() <= 64 * 1024) {
    const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) {
      return Clean(j["error"].get<std::string>(), kMaxReason);
    }
  }
  return Clean(body, kMaxReason);
}

void RequestLog::Record(const Entry& e) {
  // The common case, a success at info level, costs one check: no formatting.
  if (e.status < 400 && !debug_()) return;
  auto what = [&] {
    char ms[32];
    std::snprintf(ms, sizeof(ms), "%.1fms", e.ms);
    return std::to_string(e.status) + " " + Clean(e.method, 16) + " " +
           Clean(e.endpoint, kMaxEndpoint) + " token=" + Clean(e.caller, kMaxCaller) + " " + ms;
  };
  if (e.status < 400) return sink_(LogLevel::kDebug, "request: " + what());
  const bool server_error = e.status >= 500;
  const LogLevel level = server_error ? LogLevel::kWarn : LogLevel::kInfo;
  int64_t suppressed = 0;
  {
    // The budget first: a dropped line costs no formatting (floods are cheap to drop).
    std::lock_guard<std::mutex> lock(mu_);
    Window& w = windows_[server_error ? 1 : 0];
    const int64_t second = clock_() / 1000;
    if (second != w.second) {
      suppressed = w.suppressed;
      w = Window{second, 0, 0};
    }
    if (w.used >= max_per_second_) {
      ++w.suppressed;
      return;
    }
    ++w.used;
  }
  if (suppressed > 0) {
    sink_(level, "request log: suppressed " + std::to_string(suppressed) + " " +
                     (server_error ? "5xx" : "4xx") + " lines (more than " +
                     std::to_string(max_per_second_) + " a second)");
  }
  sink_(level, "request failed: " + what() + ": " + Reason(e.body, e.content_type));
}

}  // namespace arc
