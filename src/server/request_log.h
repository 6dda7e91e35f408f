// RequestLog: the server's request log (docs/protocol.md, "Request log"). One line per failed
// request — INFO for 4xx, WARN for 5xx — and, at debug level, one DEBUG line per other
// request. Lines carry the token's name, never a secret. Failure lines are rate-limited per
// class (4xx, 5xx) so a flood of bad requests cannot fill the disk; what is dropped is counted
// and reported in one "suppressed" line.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "common/enums.h"

namespace arc {

class RequestLog {
 public:
  using Sink = std::function<void(LogLevel, const std::string&)>;
  using Clock = std::function<int64_t()>;  // milliseconds, monotonic

  // `max_per_second` failure lines per class and second. `sink` (default: LogLine) and `clock`
  // (default: steady clock) are for tests; `debug` (default: LogEnabled(kDebug)) says whether
  // successful requests are logged.
  explicit RequestLog(int max_per_second = 20, Sink sink = nullptr, Clock clock = nullptr,
                      std::function<bool()> debug = nullptr);

  struct Entry {
    int status = 0;
    std::string_view method;
    std::string_view endpoint;  // the route pattern, or the path when no route matched
    std::string_view caller;    // the token's name (auth.h CallerName)
    double ms = 0;
    std::string_view body;  // the response body: its "error" is the reason
    std::string_view content_type;
  };
  // Logs `e` as described above. Thread-safe.
  void Record(const Entry& e);

  // The reason a failed response gives: its JSON "error" (or the body's start), cut at 300
  // characters, control characters as '?'.
  static std::string Reason(std::string_view body, std::string_view content_type);

 private:
  struct Window {
    int64_t second = -1;
    int used = 0;
    int64_t suppressed = 0;
  };
  const int max_per_second_;
  const Sink sink_;
  const Clock clock_;
  const std::function<bool()> debug_;
  std::mutex mu_;
  Window windows_[2];  // 4xx, 5xx
};

}  // namespace arc
