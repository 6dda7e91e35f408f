// IngestEngine: routes each request to a worker, runs the age-based flush timer, and flushes
// everything at shutdown.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "buffer/flusher.h"
#include "buffer/worker.h"
#include "common/config.h"
#include "ingest/batch_set.h"

namespace arc {

struct IngestStats {
  int64_t buffered_rows = 0;
  FlusherStats flusher;
};

class IngestEngine {
 public:
  // `db` and `storage` must outlive the engine. Starts the flusher and the age timer.
  static Result<std::unique_ptr<IngestEngine>> Start(const Config& config, const DuckDatabase& db,
                                                     Storage* storage);
  IngestEngine(const Config& config, std::unique_ptr<Flusher> flusher);
  ~IngestEngine();

  // Accepts one request's records into a worker's buffers (round-robin over workers, so one
  // hot measurement still spreads over all of them). Unavailable, with nothing accepted, when
  // the flush queue stays full for the backpressure wait. Thread-safe.
  Status Write(BatchSet&& set);
  // Flushes every buffer and waits until all of it is in Parquet (or the give-up deadline
  // passes), then stops the flusher. Idempotent. Thread-safe.
  void Shutdown();
  IngestStats stats() const;

 private:
  void RunTimer();

  const int64_t max_age_us_;
  const std::chrono::milliseconds backpressure_wait_{10000};
  std::unique_ptr<Flusher> flusher_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<uint64_t> next_worker_{0};
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
  std::once_flag shutdown_once_;
};

}  // namespace arc
