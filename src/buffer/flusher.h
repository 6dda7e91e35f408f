// Flusher: a pool of threads that writes FlushJobs to Parquet. Transient failures (disk,
// bucket, memory) are retried with backoff; rows that fail on their own with an error that
// comes from the rows go to the quarantine instead of being retried forever.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "buffer/flush_job.h"
#include "common/rw_lock.h"
#include "storage/live_files.h"
#include "storage/parquet_writer.h"
#include "storage/quarantine.h"

namespace arc {

struct FlusherStats {
  uint64_t jobs_written = 0;
  uint64_t files_written = 0;
  uint64_t rows_written = 0;
  uint64_t bytes_written = 0;
  uint64_t errors = 0;  // failed attempts (each was retried or split)
  uint64_t rows_quarantined = 0;
  uint64_t rows_dropped = 0;  // only at shutdown after the give-up deadline
  int64_t pending_rows = 0;   // queued or being written
  int64_t pending_bytes = 0;  // memory those rows hold
  int64_t pending_parts = 0;  // measurements queued or being written (≈ files)
  double flush_seconds = 0;   // total time spent writing
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
    int64_t max_pending_bytes = INT64_MAX;
    int64_t max_pending_parts = INT64_MAX;
  };
  // Called on a flusher thread once parts are durable (in Parquet or in the quarantine),
  // with those parts and the files written.
  using OnWritten = std::function<void(const FlushJob&, const std::vector<DataFile>&)>;

  // Starts `options.threads` threads, each with its own ParquetWriter (and DuckDB).
  // `storage` (and `quarantine`, which may be null: data-dependent failures are then retried
  // with backoff) must outlive the Flusher. `live` (may be null): its view lock is taken
  // shared while parts are published and forgotten, so that a query holding it exclusively
  // sees each row exactly once, and files are marked settling from before their Expose until
  // on_written has returned (no file-set switch consumes them meanwhile).
  static Result<std::unique_ptr<Flusher>> Start(Storage* storage, Options options,
                                                OnWritten on_written = nullptr,
                                                LiveFileSet* live = nullptr,
                                                Quarantine* quarantine = nullptr);
  Flusher(Storage* storage, Options options, OnWritten on_written, LiveFileSet* live,
          Quarantine* quarantine);
  ~Flusher();

  // While held, queued jobs wait unless the queue is past the bytes or parts bound (memory,
  // files): start-up replays the WAL into memory without flushes competing for the cores, and
  // the flush starts once the log is read. The rows bound, live ingest's backpressure, does not
  // end a hold. Thread-safe.
  void Hold();
  void Release();

  // Queues `job`; never refuses (its rows were already accepted). Thread-safe.
  void Submit(FlushJob job);
  // The submission number of the last job submitted (0: none yet). Thread-safe.
  uint64_t last_submitted() const;
  // Waits until every part of (db, measurement) submitted up to `through` is durable (in
  // Parquet with on_written returned, or in the quarantine), up to `timeout`. False on
  // timeout (those rows still wait for a retry). Thread-safe.
  bool WaitWritten(const std::string& db, const std::string& measurement, uint64_t through,
                   std::chrono::milliseconds timeout);
  // True when pending rows, bytes and parts are all under their limits. Thread-safe.
  bool HasRoom() const;
  // Admission control: waits until HasRoom, up to `timeout`. False on timeout. Thread-safe.
  bool WaitForRoom(std::chrono::milliseconds timeout);
  // Blocks until every job submitted so far is written. Thread-safe.
  void Drain();
  // Like Drain, but gives up after `timeout`; true when everything was written.
  bool DrainFor(std::chrono::milliseconds timeout);
  // Drains, retrying failures until `give_up` has passed, then stops the threads. Rows still
  // unwritten then are logged and counted in rows_dropped.
  void Stop(std::chrono::milliseconds give_up);
  FlusherStats stats() const;
  // Copies the batches of (db, measurement) in parts not yet published (queued or being
  // written). Call with the view lock held exclusively. Thread-safe.
  void CopyUnpublished(const std::string& db, const std::string& measurement,
                       std::vector<Batch>* out) const;
  bool HasUnpublished(const std::string& db, const std::string& measurement) const;
  // Adds (db, measurement) of every part not yet published to `out`. Thread-safe.
  void ListUnpublished(std::set<std::pair<std::string, std::string>>* out) const;
  // Appends the columns of (db, measurement)'s parts not yet published (no rows copied).
  // Thread-safe.
  void UnpublishedColumns(const std::string& db, const std::string& measurement,
                          std::vector<SchemaColumn>* out) const;

 private:
  struct Pending {
    FlushJob job;
    std::chrono::steady_clock::time_point ready_at;
  };
  // What one attempt at a job did.
  struct Attempt {
    FlushJob done;                       // parts now durable (Parquet or quarantine)
    std::vector<DataFile> files;         // their files
    std::vector<std::string> settling;   // every file exposed by this attempt (relative paths)
    FlushJob transient;                  // parts to retry with backoff
    std::vector<FlushPart> data_failed;  // parts that failed because of their rows
    Status error;                        // the first error, for the log
    size_t quarantined_rows = 0;
    size_t failed_parts = 0;  // for the log: how many parts failed, and one of them
    std::string failed_example;
    bool failures_split = false;  // some were split (data failures) rather than retried
  };
  enum class Fate { kPublish, kQuarantined, kTransient, kData };
  void Run(ParquetWriter* writer);
  bool PopReady(Pending* out, std::unique_lock<std::mutex>* lock);
  Attempt Write(ParquetWriter* writer, Pending* p);
  // Writes part i's temp files (or quarantines it) and says what became of it.
  Fate PreparePart(ParquetWriter* writer, FlushPart* part, std::vector<DataFile>* files,
                   Status* error);
  Status DeleteStaleFiles(FlushPart* part);
  Status QuarantinePart(const FlushPart& part);
  // Moves each part of `job` to done / retry per `fate`, under mu_ (caller holds the view
  // lock), so a query never sees a row twice or misses one.
  void Settle(FlushJob* job, const std::vector<Fate>& fate, const std::vector<Status>& errors,
              const std::vector<DataFile>& files, const std::vector<size_t>& owner, Attempt* a);
  void Account(const Attempt& a, int worker, int attempts, double seconds);
  void Requeue(FlushJob job, std::chrono::milliseconds delay);  // caller holds mu_
  void Forget(const FlushPart& part);                           // caller holds mu_

  Storage* const storage_;
  const Options options_;
  const OnWritten on_written_;
  LiveFileSet* const live_;
  RwLock* const view_lock_;
  Quarantine* const quarantine_;
  std::vector<const FlushJob*> in_flight_jobs_;  // guarded by mu_
  // The parts each running job started with, until its on_written has returned (parts still
  // settling are not yet durable for WaitWritten); guarded by mu_.
  struct PartKey {
    uint64_t seq;
    std::string database, measurement;
  };
  std::vector<const std::vector<PartKey>*> running_parts_;
  uint64_t last_seq_ = 0;  // guarded by mu_
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // jobs arrived or stopping
  std::condition_variable room_cv_;  // pending dropped, or all done
  std::deque<Pending> queue_;
  int in_flight_ = 0;
  bool stopping_ = false;
  bool held_ = false;  // see Hold
  std::chrono::steady_clock::time_point give_up_at_ = std::chrono::steady_clock::time_point::max();
  FlusherStats stats_;
  std::vector<std::unique_ptr<ParquetWriter>> writers_;
  std::vector<std::thread> threads_;
};

}  // namespace arc
