// Raw TCP for tests that must send what no well-behaved client would: partial heads, endless
// bodies, malformed framing. Loopback only.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace arc::test {

// An open loopback connection, closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return fd_ >= 0; }
  // Sends all of `bytes`; false once the peer has closed or reset the connection.
  bool Send(std::string_view bytes);
  // Reads until the peer closes, `timeout` passes, or `until` appears in what was read.
  std::string Read(std::chrono::milliseconds timeout, std::string_view until = "");
  // True when the peer has closed (EOF or reset) within `timeout`.
  bool ClosedWithin(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// One request on a fresh connection; the response (everything until close or `timeout`).
std::string RawExchange(int port, std::string_view request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(5));

// The status code of the first response in `raw` ("HTTP/1.1 401 ..." → 401), or 0.
int StatusOf(std::string_view raw);

// Memory and CPU of a process, from /proc.
struct ProcessStats {
  long rss_mb = 0;         // VmRSS
  long peak_rss_mb = 0;    // VmHWM: the most it ever held
  double cpu_seconds = 0;  // user + system
};
ProcessStats StatsOf(int pid);

}  // namespace arc::test
