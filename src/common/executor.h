// Executor: a fixed pool of threads with a bounded queue, for work that must not run on an
// HTTP io thread (queries, catalogue listings, decompression). When every thread is busy and
// the queue is full, TrySubmit says no at once: the caller answers 429/503 instead of letting
// work pile up without bound.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace arc {

class Executor {
 public:
  // `threads` ≥ 1 run tasks; at most `max_queued` more wait.
  Executor(std::string name, int threads, size_t max_queued);
  ~Executor();  // Stop()

  // Queues `task`; false (and `task` dropped) when the queue is full or the pool stopped.
  // Thread-safe.
  bool TrySubmit(std::function<void()> task);
  // Runs the tasks already started to completion, drops those still queued, joins.
  void Stop();
  size_t queued() const;
  int busy() const;

 private:
  void Run();

  const std::string name_;
  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  int busy_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace arc
