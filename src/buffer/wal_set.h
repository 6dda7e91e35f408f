// WalSet: the write-ahead logs of the ingest workers, with everything around them that needs
// the workers and the flusher: recovery at start-up, one WalWriter and Manifest per worker,
// the bookkeeping after each flush (watermark, manifest, deleting and archiving segments),
// re-opening logs that could not be opened, and the clean close at shutdown.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "buffer/flush_job.h"
#include "buffer/flusher.h"
#include "buffer/wal_replay.h"
#include "buffer/worker.h"
#include "common/config.h"
#include "common/file_system.h"
#include "storage/storage.h"
#include "wal/log_dir.h"
#include "wal/manifest.h"
#include "wal/wal_writer.h"

namespace arc {

class WalSet {
 public:
  // `fs`, `storage` and `quarantine` (may be null) must outlive the set.
  WalSet(const Config& config, FileSystem* fs, Storage* storage, Quarantine* quarantine);

  // Recovery, then a fresh segment per worker: replays every worker's log (ids found on disk
  // included) into `workers` (ids 1..N; logs of other ids through temporary workers), hands
  // the replayed rows to `flusher` and returns without waiting for them: replayed segments are
  // archived as the persisted watermark passes them. A worker whose log cannot be opened
  // refuses writes until the timer opens it. `flusher` and the workers must outlive the set.
  Status Open(Flusher* flusher, const std::vector<Worker*>& workers);
  // After a flush (flusher thread): completes the parts' LSNs, persists each touched manifest
  // once, then deletes the live segments and archives the replayed ones at or below the
  // persisted watermark. Thread-safe.
  void OnFlushed(const FlushJob& job);
  // Timer: tries again, at most once a second, to open the logs that could not be opened.
  void RetryOpen(int64_t now_us);
  // Shutdown, after the flusher stopped: persists the manifests, syncs and closes the writers
  // and deletes (live) or archives (replayed) every segment at or below the persisted
  // watermark — all of them when everything was flushed, so the next start reads nothing.
  void Close();

  // The writer of worker k (1..N), null while unavailable. Thread-safe.
  std::vector<wal::WalWriter*> writers() const;
  // OK, or why worker k (index k-1) has no open log.
  std::vector<Status> open_errors() const;
  const RecoveryTotals& recovery() const { return recovery_; }

 private:
  Status OpenWriter(int worker);
  void Cleanup(int worker, uint64_t persisted_watermark);
  wal::WalOptions WriterOptions(int worker) const;

  const Config config_;
  FileSystem* const fs_;
  Storage* const storage_;
  Quarantine* const quarantine_;
  std::vector<Worker*> workers_;                           // ids 1..N
  std::map<int, std::unique_ptr<wal::Manifest>> manifests_;  // every id, on disk or live
  std::map<int, wal::WorkerResume> resume_;
  std::map<int, std::vector<WalReplay::Replayed>> replayed_;  // awaiting archive; guarded by mu_
  RecoveryTotals recovery_;
  mutable std::mutex mu_;                                  // guards writers_, open_errors_, replayed_
  std::vector<std::unique_ptr<wal::WalWriter>> writers_;   // index k-1; null when unavailable
  std::vector<Status> open_errors_;
  int64_t last_open_retry_us_ = 0;
};

}  // namespace arc
