// MemoryWatch: ends the process when its resident memory passes a limit. The query worker's
// memory cap where RLIMIT_AS cannot be used (AddressSanitizer reserves terabytes of address
// space), and a second line behind it elsewhere: DuckDB's memory_limit covers its buffer
// manager, not every allocation.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace arc {

// The resident set of this process in bytes (from /proc/self/statm); 0 when unreadable.
// Thread-safe.
uint64_t ResidentBytes();

// True when this binary runs under AddressSanitizer, whose shadow mappings make an address
// space limit (RLIMIT_AS) kill the process at its first allocation.
bool UnderAddressSanitizer();

class MemoryWatch {
 public:
  // Exit code of a process the watch ended; the server reports it as a memory overrun.
  static constexpr int kExitCode = 75;

  // Starts a thread that samples the resident set every `interval` and calls _exit(kExitCode)
  // once it exceeds `limit_bytes` (0 = never). The overshoot is bounded by what the process
  // can touch in one interval. Stopped (and joined) by the destructor.
  MemoryWatch(uint64_t limit_bytes, std::chrono::milliseconds interval);
  ~MemoryWatch();
  MemoryWatch(const MemoryWatch&) = delete;
  MemoryWatch& operator=(const MemoryWatch&) = delete;

  // The largest resident set seen so far, in bytes. Thread-safe.
  uint64_t peak_bytes() const { return peak_.load(); }

 private:
  void Run();

  const uint64_t limit_;
  const std::chrono::milliseconds interval_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> peak_{0};
  std::thread thread_;
};

}  // namespace arc
