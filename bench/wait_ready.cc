// arc_wait_ready: waits until GET /ready answers 200 on 127.0.0.1:PORT, polling every 2 ms
// from this one process, and prints the CPU it used. Exits 1 after TIMEOUT seconds.
//
//   arc_wait_ready PORT [TIMEOUT]
//
// Why not curl (or python3) in a loop: a process per try, or an interpreter's start, took
// enough of the 2 cores to slow the very start-up being timed (docs/benchmarks.md,
// 2026-12-03). One try here costs a socket, a connect and, once listening, one request.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

// One try: true when the server answers GET /ready with 200.
bool Ready(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    static const char kRequest[] = "GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    timeval tv{2, 0};  // a listening server that never answers counts as not ready
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char status[13] = {0};
    if (::send(fd, kRequest, sizeof(kRequest) - 1, MSG_NOSIGNAL) > 0 &&
        ::recv(fd, status, 12, MSG_WAITALL) == 12) {
      ok = std::strncmp(status, "HTTP/1.1 200", 12) == 0;
    }
  }
  ::close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: arc_wait_ready PORT [TIMEOUT_SECONDS]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const double timeout = argc > 2 ? std::atof(argv[2]) : 60;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (!Ready(port)) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "server did not become ready within %.0f s\n", timeout);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const double cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1e3 +
                        (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e3;
  std::printf("poller_cpu_ms=%.1f\n", cpu_ms);
  return 0;
}
