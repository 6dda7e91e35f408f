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
#include "common/rw_lock.h"
#include "storage/parquet_writer.h"

namespace arc {

struct FlusherStats {
  uint64_t jobs_written = 0;
  uint64_t files_written = 0;
  uint64_t rows_written = 0;
  uint64_t bytes_written = 0;
  uint64_t errors = 0;          // failed attempts (each was retried)
  uint64_t rows_dropped = 0;    // only at shutdown after the give-up deadline
  int64_t pending_rows = 0;     // queued or being written
  double flush_seconds = 0;     // total time spent writing
  // Flush duration histogram: counts of flushes taking ≤ kFlushBucketsSeconds[i] seconds.
  std::vector<uint64_t> flush_buckets = std::vector<uint64_t>(8, 0);
};

inline constexpr double kFlushBucketsSeconds[8] = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

class Flusher {
 public:
  struct Options {
    int threads = 1;
    int64_t max_pending_rows = 1000000;
    ParquetCompression compression = ParquetCompression::kZstd;
  };
  // Called on a flusher thread after a job's files are durable.
  using OnWritten = std::function<void(const FlushJob&, const std::vector<WrittenFile>&)>;

  // Starts `options.threads` threads, each with its own connection to `db`.
  // `db` and `storage` must outlive the Flusher.
  // `view_lock` (may be null) is taken shared while a job's files are published and the job
  // forgotten, so that a query holding it exclusively sees each row exactly once.
  static Result<std::unique_ptr<Flusher>> Start(const DuckDatabase& db, Storage* storage,
                                                Options options, OnWritten on_written = nullptr,
                                                RwLock* view_lock = nullptr);
  Flusher(Options options, OnWritten on_written, RwLock* view_lock);
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
  // Copies the batches of (db, measurement) in jobs not yet published (queued or being
  // written). Call with the view lock held exclusively. Thread-safe.
  void CopyUnpublished(const std::string& db, const std::string& measurement,
                       std::vector<Batch>* out) const;
  bool HasUnpublished(const std::string& db, const std::string& measurement) const;

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
  RwLock* const view_lock_;
  std::vector<const FlushJob*> in_flight_jobs_;   // guarded by mu_
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
