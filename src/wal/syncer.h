// Syncer: group commit for one WAL. A background thread syncs the current segment as soon as
// entries are waiting and the previous sync has returned; one sync covers every entry written
// before it began, and completes all their waiters. A failed sync poisons the WAL.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/enums.h"
#include "common/file_system.h"

namespace arc::wal {

using arc::SyncMode;  // common/enums.h

// The call a sync mode issues: fsync for kFsync, fdatasync otherwise (async syncs data too).
inline SyncKind SyncKindFor(SyncMode mode) {
  return mode == SyncMode::kFsync ? SyncKind::kFull : SyncKind::kData;
}

struct SyncStats {
  uint64_t syncs = 0;
  uint64_t sync_failures = 0;
  // Sync latency histogram: counts of syncs taking ≤ kSyncBuckets[i] seconds.
  std::vector<uint64_t> latency_buckets;
  double latency_sum_seconds = 0;
};

inline constexpr double kSyncBucketsSeconds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                 0.005, 0.01, 0.025, 0.05, 0.1, 1.0};

class Syncer {
 public:
  using Callback = std::function<void(Status)>;

  // async: waiters complete at once and the file is synced every `async_interval`.
  Syncer(SyncMode mode, std::chrono::milliseconds async_interval);
  ~Syncer();  // stops the thread after a last sync of what was written

  void Start();
  // Entries through `lsn` are written to `file` (earlier files were synced in full).
  // Called after every append, in LSN order. Thread-safe.
  void Written(uint64_t lsn, std::shared_ptr<WritableFile> file);
  // The previous file was synced in full through `lsn` (rotation did it). Thread-safe.
  void SyncedThrough(uint64_t lsn);
  // Calls `done(OK)` once entry `lsn` is durable (async: at once), or `done(error)` when the
  // WAL is or becomes poisoned. `done` runs on the syncer thread or the caller's. Thread-safe.
  void WhenDurable(uint64_t lsn, Callback done);
  // Marks the WAL failed: every waiter gets `why`, later WhenDurable calls too. Thread-safe.
  void Poison(const Status& why);
  // Clears the poison after the log moved to a fresh file: entries up to `through` that no
  // sync covered stay lost with the abandoned file (WhenDurable fails them, even when asked
  // only now), and a late failure of a sync of that file no longer poisons. Thread-safe.
  void Abandon(uint64_t through);
  Status poisoned() const;
  uint64_t synced_lsn() const;
  SyncStats stats() const;

 private:
  struct Waiter {
    uint64_t lsn;
    Callback done;
  };
  void Run();
  void CompleteReady(std::unique_lock<std::mutex>* lock);
  void FailAll(std::unique_lock<std::mutex>* lock);

  const SyncMode mode_;
  const std::chrono::milliseconds async_interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<WritableFile> file_;
  uint64_t written_lsn_ = 0;
  uint64_t synced_lsn_ = 0;
  uint64_t abandoned_from_ = 1, abandoned_through_ = 0;   // empty when from > through
  std::shared_ptr<WritableFile> abandoned_file_;
  Status poison_;
  std::vector<Waiter> waiters_;
  SyncStats stats_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace arc::wal
