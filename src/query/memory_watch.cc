#include "query/memory_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace arc {

uint64_t ResidentBytes() {
  // procfs, not data: read directly rather than through the FileSystem interface, which serves
  // the data and WAL directories.
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return static_cast<uint64_t>(resident) * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

bool UnderAddressSanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#else
  return false;
#endif
#else
  return false;
#endif
}

MemoryWatch::MemoryWatch(uint64_t limit_bytes, std::chrono::milliseconds interval)
    : limit_(limit_bytes), interval_(interval) {
  if (limit_ > 0) thread_ = std::thread([this] { Run(); });
}

MemoryWatch::~MemoryWatch() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void MemoryWatch::Run() {
  while (!stop_) {
    const uint64_t rss = ResidentBytes();
    if (rss > peak_) peak_ = rss;
    if (rss > limit_) {
      // No unwinding, no destructors: the main thread may be mid-allocation in the engine.
      // The server sees the connection close and the exit code.
      std::_Exit(kExitCode);
    }
    std::this_thread::sleep_for(interval_);
  }
}

}  // namespace arc
