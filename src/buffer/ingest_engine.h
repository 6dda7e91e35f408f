// IngestEngine: owns the workers, the flusher and (when enabled) the WAL: recovery at start,
// one WalWriter and Manifest per worker, the flush-completion bookkeeping that advances the
// watermark and deletes segments, and the timer for age-based flushes and WAL rotation.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "buffer/flusher.h"
#include "buffer/wal_replay.h"
#include "buffer/worker.h"
#include "common/config.h"
#include "ingest/batch_set.h"
#include "wal/log_dir.h"
#include "wal/manifest.h"
#include "wal/wal_writer.h"

namespace arc {

struct IngestStats {
  int64_t buffered_rows = 0;
  FlusherStats flusher;
};

class IngestEngine {
 public:
  struct Options {
    // How long start-up waits for replayed data to reach storage before serving anyway.
    std::chrono::milliseconds recovery_flush_timeout{60000};
    // How long shutdown retries failing flushes before giving up (and logging the loss).
    std::chrono::seconds shutdown_give_up{30};
  };

  // Opens everything; with wal.enabled runs recovery first (blocking). `db`, `storage` and
  // `fs` must outlive the engine.
  static Result<std::unique_ptr<IngestEngine>> Start(const Config& config, const DuckDatabase& db,
                                                     Storage* storage, FileSystem* fs);
  static Result<std::unique_ptr<IngestEngine>> Start(const Config& config, const DuckDatabase& db,
                                                     Storage* storage, FileSystem* fs,
                                                     Options options);
  IngestEngine(const Config& config, Storage* storage, FileSystem* fs, Options options);
  ~IngestEngine();

  // Accepts one request's records into a worker (round-robin over healthy workers, so one hot
  // measurement still spreads over all of them) and calls `done` when the write is as durable
  // as the WAL mode promises: OK, or Unavailable (flush queue full for the backpressure wait,
  // every WAL unavailable) with nothing acknowledged. Thread-safe.
  void Write(BatchSet&& set, Worker::Done done);
  // Flushes every buffer and waits until it is in Parquet (or the give-up deadline passes),
  // then stops the flusher and closes the WALs. Idempotent. Thread-safe.
  void Shutdown();
  // Hands every buffer to the flusher and waits up to `timeout` until all is written; true
  // when it was. Thread-safe.
  bool FlushAll(std::chrono::milliseconds timeout);
  IngestStats stats() const;

  // Runs `list_files` and copies every row of each (db, measurement) in `tables` still in
  // memory (buffers and unpublished flushes) as one consistent view: no row is both in a
  // listed file and in the copy, none is in neither. out[i] holds tables[i]'s rows.
  void Snapshot(const std::vector<std::pair<std::string, std::string>>& tables,
                const std::function<void()>& list_files, std::vector<std::vector<Batch>>* out) const;
  // True when (db, measurement) has rows in memory. Thread-safe.
  bool HasBuffered(const std::string& db, const std::string& measurement) const;

  bool wal_enabled() const { return wal_enabled_; }
  // Live WAL writers (null entries for workers whose WAL could not be opened).
  std::vector<wal::WalWriter*> wal_writers() const;
  // Per-worker health: OK or why writes are refused.
  std::vector<Status> worker_health() const;
  const RecoveryTotals& recovery() const { return recovery_; }
  const Config& config() const { return config_; }

 private:
  Status Open(const DuckDatabase& db);
  Status OpenWal();
  Status OpenWriter(int worker, const wal::WorkerResume& resume);
  void OnFlushed(const FlushJob& job);
  void RunTimer();
  void RetryWalOpen(int64_t now_us);

  const Config config_;
  const Options options_;
  Storage* const storage_;
  FileSystem* const fs_;
  const bool wal_enabled_;
  const std::chrono::milliseconds backpressure_wait_{10000};
  mutable RwLock view_lock_;
  std::unique_ptr<Flusher> flusher_;
  std::vector<std::unique_ptr<Worker>> workers_;          // ids 1..N
  std::map<int, std::unique_ptr<wal::Manifest>> manifests_;
  std::vector<std::unique_ptr<wal::WalWriter>> writers_;  // index k-1; null when unavailable
  std::vector<Status> open_errors_;                       // why writers_[i] is null
  std::map<int, wal::WorkerResume> resume_;
  int64_t last_open_retry_us_ = 0;
  RecoveryTotals recovery_;
  std::atomic<uint64_t> next_worker_{0};
  mutable std::mutex mu_;                                 // guards writers_, open_errors_
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
  std::once_flag shutdown_once_;
};

}  // namespace arc
