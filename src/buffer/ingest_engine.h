// IngestEngine: owns the write path below HTTP: the workers, the flusher, the admission gate
// (back-pressure), the cardinality limits, the quarantine and, when enabled, the WAL set
// (recovery, one log per worker, flush bookkeeping); plus the timer for age-based flushes,
// WAL rotation and healing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "buffer/admission.h"
#include "buffer/flusher.h"
#include "buffer/ingest_limits.h"
#include "buffer/quarantine_replay.h"
#include "buffer/wal_replay.h"
#include "buffer/wal_set.h"
#include "buffer/worker.h"
#include "common/config.h"
#include "ingest/batch_set.h"
#include "storage/live_files.h"
#include "storage/quarantine.h"

namespace arc {

struct IngestStats {
  int64_t buffered_rows = 0;
  uint64_t admission_waiting = 0;
  FlusherStats flusher;
  Quarantine::Totals quarantine;
  IngestLimits::Counts cardinality;
};

class IngestEngine {
 public:
  struct Options {
    // How long shutdown retries failing flushes before giving up (and logging the loss);
    // unset: server.shutdown_timeout_seconds.
    std::optional<std::chrono::milliseconds> shutdown_give_up;
    // How long a write waits for room in the flush queue before it gets 503.
    std::chrono::milliseconds backpressure_wait{10000};
    // The live-file set shared with file-set switches (it owns the view lock); unset: the
    // engine keeps one of its own. Must outlive the engine.
    LiveFileSet* live_files = nullptr;
    // Called on a flusher thread with the relative paths of the data files a flush wrote,
    // once they are recorded (the compactor notes their hours). May be unset.
    std::function<void(const std::vector<std::string>&)> on_files_written;
    // With the WAL: the replayed rows' flush waits for ReleaseReplayedFlush (or the flusher's
    // memory or file bound), so that the caller's own start-up, opening the port, does not
    // share the cores with it. Unset: the flush starts as Start returns.
    bool hold_replayed_flush = false;
  };

  // Opens everything; with wal.enabled replays the log first (blocking until the rows are in
  // memory; they flush in the background). `storage` and `fs` must outlive the engine.
  static Result<std::unique_ptr<IngestEngine>> Start(const Config& config, Storage* storage,
                                                     FileSystem* fs, Options options);
  static Result<std::unique_ptr<IngestEngine>> Start(const Config& config, Storage* storage,
                                                     FileSystem* fs);
  IngestEngine(const Config& config, Storage* storage, FileSystem* fs, Options options);
  ~IngestEngine();

  // Starts the flush that Options::hold_replayed_flush held; does nothing otherwise or when
  // called again. Thread-safe.
  void ReleaseReplayedFlush();

  // Accepts one request's records: cardinality limits (400), then admission (waits off the
  // caller's thread while the flush queue is full; 503 after backpressure_wait), then a worker
  // (round-robin over healthy workers, so one hot measurement still spreads over all of
  // them). `done` is called once, when the write is as durable as the WAL mode promises: OK,
  // InvalidArgument (a limit) or Unavailable, with nothing acknowledged. Thread-safe.
  void Write(BatchSet&& set, Worker::Done done);
  // Flushes every buffer and waits until it is in Parquet or the give-up deadline passes,
  // then stops the flusher and closes the WALs. Idempotent. Thread-safe.
  void Shutdown();
  // The same, flushing no longer than until `deadline` (the shutdown bound counted from the
  // signal) when it is set.
  void ShutdownBy(std::optional<std::chrono::steady_clock::time_point> deadline);
  // Hands every buffer to the flusher and waits up to `timeout` until all is written; true
  // when it was. Thread-safe.
  bool FlushAll(std::chrono::milliseconds timeout);
  // Writes every row of (db, measurement) accepted before the call to Parquet (recorded in
  // the WAL manifest, settled) and waits for it, up to `timeout`; rows accepted meanwhile may
  // stay in memory. Unavailable when they could not be written in time (nothing is lost:
  // they are retried). Lifecycle jobs that must see every acknowledged row use it. Thread-safe.
  Status FlushMeasurement(const std::string& db, const std::string& measurement,
                          std::chrono::milliseconds timeout);
  IngestStats stats() const;

  // Runs `list_files` and copies every row of each (db, measurement) in `tables` still in
  // memory (buffers and unpublished flushes) as one consistent view: no row is both in a
  // listed file and in the copy, none is in neither. out[i] holds tables[i]'s rows.
  void Snapshot(const std::vector<std::pair<std::string, std::string>>& tables,
                const std::function<void()>& list_files,
                std::vector<std::vector<Batch>>* out) const;
  // Snapshot's consistent view for one measurement, for readers of its schema: runs
  // `list_files` and gives the columns of its rows in memory (duplicates possible), never
  // copying a row. Thread-safe.
  void SnapshotColumns(const std::string& db, const std::string& measurement,
                       const std::function<void()>& list_files,
                       std::vector<SchemaColumn>* out) const;
  // True when (db, measurement) has rows in memory. Thread-safe.
  bool HasBuffered(const std::string& db, const std::string& measurement) const;
  // Every (db, measurement) with rows in memory, sorted. Thread-safe.
  std::set<std::pair<std::string, std::string>> BufferedTables() const;

  bool wal_enabled() const { return wal_ != nullptr; }
  // The live-file set (and view lock) this engine moves rows and files under.
  LiveFileSet* live_files() const { return live_; }
  // Live WAL writers (null entries for workers whose WAL could not be opened).
  std::vector<wal::WalWriter*> wal_writers() const;
  // Per-worker health: OK or why writes are refused.
  std::vector<Status> worker_health() const;
  const RecoveryTotals& recovery() const;
  const Config& config() const { return config_; }
  Quarantine* quarantine() { return quarantine_.get(); }
  // Sends quarantined record `id` (all when empty) through Write again; `done` runs on the
  // replay's own thread. Unavailable when a replay is already running. Thread-safe.
  Status ReplayQuarantine(const std::string& id, QuarantineReplay::DoneFn done);

 private:
  Status Open();
  void SeedLimits();
  void Route(BatchSet set, Worker::Done done);
  void OnFlushed(const FlushJob& job, const std::vector<DataFile>& files);
  void RunTimer();

  const Config config_;
  const Options options_;
  Storage* const storage_;
  FileSystem* const fs_;
  std::unique_ptr<LiveFileSet> own_live_;
  LiveFileSet* const live_;  // never null
  std::unique_ptr<Quarantine> quarantine_;
  std::unique_ptr<Flusher> flusher_;
  std::unique_ptr<Admission> admission_;
  IngestLimits limits_;
  std::vector<std::unique_ptr<Worker>> workers_;  // ids 1..N
  std::unique_ptr<WalSet> wal_;                   // null without the WAL
  std::unique_ptr<QuarantineReplay> quarantine_replay_;
  std::atomic<uint64_t> next_worker_{0};
  std::mutex timer_mu_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_;
  std::once_flag shutdown_once_;
};

}  // namespace arc
