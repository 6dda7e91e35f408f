// Admission: the back-pressure gate in front of the workers. A write that finds the flush
// queue full waits here, in a queue served by one thread, never on the caller's thread: an
// HTTP I/O thread hands the write over and returns at once, so /health, reads and other
// connections keep being served however far storage falls behind.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "buffer/flusher.h"
#include "common/status.h"

namespace arc {

class Admission {
 public:
  using Admit = std::function<void()>;          // performs the write
  using Refuse = std::function<void(Status)>;   // answers it (Unavailable)

  // `flusher` must outlive the gate. A write waits at most `max_wait`; at most
  // `max_queued_bytes` of request data wait at once (beyond: refused at once).
  Admission(Flusher* flusher, std::chrono::milliseconds max_wait, size_t max_queued_bytes);
  ~Admission();  // Stop()

  // Runs `admit` on the caller's thread when nobody waits and the flusher has room; else
  // queues it, to be run on the gate's thread once there is room, or refused (Unavailable,
  // naming the reason) after `max_wait`. Thread-safe.
  void Enter(size_t bytes, Admit admit, Refuse refuse);
  // Refuses every waiting write and stops the thread. Idempotent. Thread-safe.
  void Stop();
  size_t waiting() const;

 private:
  struct Waiter {
    size_t bytes;
    Admit admit;
    Refuse refuse;
    std::chrono::steady_clock::time_point deadline;
  };
  void Run();

  Flusher* const flusher_;
  const std::chrono::milliseconds max_wait_;
  const size_t max_queued_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Waiter> queue_;
  size_t queued_bytes_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace arc
