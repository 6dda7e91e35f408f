// Flusher: a pool of threads that writes FlushJobs to Parquet, retrying failures with backoff.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "buffer/flush_job.h"
#include "storage/parquet_writer.h"

namespace arc {

struct FlusherStats {
  uint64_t jobs_written = 0;
  uint64_t files_written = 0;
  uint64_t rows_written = 0;
  uint64_t errors = 0;          // failed attempts (each was retried)
  uint64_t rows_dropped = 0;    // only at shutdown after the give-up deadline
  int64_t pending_rows = 0;     // queued or being written
  double flush_seconds = 0;     // total time spent writing
};

class Flusher {
 public:
  struct Options {
    int threads = 1;
    int64_t max_pending_rows = 1000000;
    std::string compression = "zstd";
  };
  // Called on a flusher thread after a job's files are durable.
  using OnWritten = std::function<void(const FlushJob&, const std::vector<WrittenFile>&)>;

  // Starts `options.threads` threads, each with its own connection to `db`.
  // `db` and `storage` must outlive the Flusher.
  static Result<std::unique_ptr<Flusher>> Start(const DuckDatabase& db, Storage* storage,
                                                Options options, OnWritten on_written = nullptr);
  Flusher(Options options, OnWritten on_written);
  ~Flusher();

  // Queues `job`; never refuses (its rows were already accepted). Thread-safe.
  void Submit(FlushJob job);
  // Admission control: waits until pending rows are under the limit, up to `timeout`.
  // Returns false on timeout (the caller answers 503). Thread-safe.
  bool WaitForRoom(std::chrono::milliseconds timeout);
  // Blocks until every job submitted so far is written. Thread-safe.
  void Drain();
  // Like Drain, but gives up after `timeout`; true when everything was written.
  bool DrainFor(std::chrono::milliseconds timeout);
  // Drains, retrying failures until `give_up` has passed, then stops the threads.
  // Rows still unwritten then are logged as lost and counted in rows_dropped.
  void Stop(std::chrono::seconds give_up);
  FlusherStats stats() const;

 private:
  struct Pending {
    FlushJob job;
    std::chrono::steady_clock::time_point ready_at;
  };
  void Run(ParquetWriter* writer);
  bool PopReady(Pending* out, std::unique_lock<std::mutex>* lock);
  void Finish(Pending p, const Result<std::vector<WrittenFile>>& result, double seconds);

  const Options options_;
  const OnWritten on_written_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // jobs arrived or stopping
  std::condition_variable room_cv_;   // pending rows dropped, or all done
  std::deque<Pending> queue_;
  int in_flight_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point give_up_at_ = std::chrono::steady_clock::time_point::max();
  FlusherStats stats_;
  std::vector<std::unique_ptr<ParquetWriter>> writers_;
  std::vector<std::thread> threads_;
};

}  // namespace arc
