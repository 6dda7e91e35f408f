// WalWriter: one worker's write-ahead log — segment files, appends, rotation, deletion of
// segments below the flush watermark, and poisoning on I/O failure. Durability of an append
// is reported through WhenDurable (group commit in Syncer).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "wal/syncer.h"

namespace arc::wal {

struct WalOptions {
  std::string dir;
  int worker = 1;
  SyncMode sync_mode = SyncMode::kFdatasync;
  uint64_t max_size_bytes = 100ull << 20;
  int64_t max_age_us = 3600LL * 1000000;
  std::chrono::milliseconds async_interval{1000};
  // Sync modes: keep one retired segment as `worker-<k>.spare` and write the next segment
  // into it (docs/wal-format.md, "Reusing segment files").
  bool reuse_segment_files = true;
};

struct SegmentInfo {
  std::string name;
  uint64_t segment = 0;
  uint64_t first_lsn = 0;
  uint64_t last_lsn = 0;     // 0 while empty
  uint64_t size = 0;
  int64_t created_us = 0;
  bool current = false;
  bool failed = false;       // a write or sync of it failed: never kept as the spare
};

struct WalStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
  uint64_t rotations = 0;
  uint64_t deleted_segments = 0;
  uint64_t reused_files = 0;  // segments written into the spare
  SyncStats sync;
};

class WalWriter {
 public:
  // Starts a fresh segment in `options.dir` (never appends to an old segment; it may overwrite
  // the spare, see WalOptions::reuse_segment_files). `next_lsn` is the
  // first LSN to assign, `next_segment` the new segment's number, and names get a timestamp
  // after `min_name_seconds` so they stay unique and ordered. `fs` must outlive the writer.
  static Result<std::unique_ptr<WalWriter>> Open(FileSystem* fs, WalOptions options,
                                                 uint64_t next_lsn, uint64_t next_segment,
                                                 int64_t min_name_seconds);
  WalWriter(FileSystem* fs, WalOptions options, uint64_t next_lsn, uint64_t next_segment,
            int64_t min_name_seconds);
  ~WalWriter();  // syncs what was written and closes

  // Appends one records entry and returns its LSN. OK means accepted, not durable: wait with
  // WhenDurable. In async mode the entry is written to the OS (a kill -9 keeps it); in the
  // sync modes it is staged in memory and written by the group commit that makes it durable. Rotates first when the segment is full or too old. Unavailable
  // (naming the cause) once poisoned; a failed write poisons. Callers serialize Append.
  Result<uint64_t> Append(std::string_view payload, int64_t now_us);
  // As Append, with `fill` writing the `payload_size` payload bytes straight into the log's
  // staging memory (one copy of a request instead of encode-then-copy). `fill` runs inside
  // this call, must write every byte and must not throw.
  Result<uint64_t> Append(size_t payload_size, const WritableFile::Fill& fill, int64_t now_us);
  // See Syncer::WhenDurable. Thread-safe.
  void WhenDurable(uint64_t lsn, Syncer::Callback done) { syncer_.WhenDurable(lsn, std::move(done)); }
  // Rotates when the current segment holds entries and is older than max_age (timer; callers
  // serialize with Append).
  Status RotateIfOld(int64_t now_us);
  // When poisoned (a failed write or sync: ENOSPC, EIO), tries — at most once a second — to
  // continue in a fresh segment; OK once healthy again. Callers serialize with Append.
  Status Heal(int64_t now_us);
  // Deletes closed segments whose entries all have LSN ≤ `watermark` (the first large one
  // becomes the spare when there is none). Thread-safe.
  Status DeleteSegmentsThrough(uint64_t watermark);
  // Shutdown: syncs what was written, then deletes every segment, the current one included,
  // whose entries all have LSN ≤ `watermark` (all of them once everything is flushed, so the
  // next start has nothing to read). No Append after this. Callers serialize with Append.
  Status Close(uint64_t watermark);

  Status health() const { return syncer_.poisoned(); }
  int worker() const { return options_.worker; }
  SyncMode sync_mode() const { return options_.sync_mode; }
  std::vector<SegmentInfo> segments() const;
  WalStats stats() const;
  uint64_t last_lsn() const { return next_lsn_.load() - 1; }

 private:
  Status OpenSegment(int64_t now_us, bool may_reuse);
  Result<std::unique_ptr<WritableFile>> CreateSegmentFile(const std::string& path,
                                                          const std::string& header);
  std::unique_ptr<WritableFile> ReuseSpare(const std::string& path, const std::string& header);
  Status RetireSegment(const SegmentInfo& seg);
  void DropSpare(const char* why);
  bool reuse_enabled() const {
    return options_.reuse_segment_files && options_.sync_mode != SyncMode::kAsync;
  }
  Status Rotate(int64_t now_us);
  Status Poison(const Status& why);
  Status Unavailable(const Status& why) const;

  FileSystem* const fs_;
  const WalOptions options_;
  std::atomic<uint64_t> next_lsn_;
  uint64_t next_segment_;
  int64_t last_name_seconds_;
  Syncer syncer_;
  std::shared_ptr<WritableFile> file_;
  int64_t last_heal_attempt_us_ = 0;
  int64_t poisoned_seen_us_ = 0;      // when the current poison was first seen (0: healthy)
  mutable std::mutex segments_mu_;
  std::vector<SegmentInfo> segments_;   // oldest first; the last one is current
  std::mutex spare_mu_;                 // held across the spare's renames
  bool spare_exists_ = false;           // spare_mu_
  std::atomic<uint64_t> entries_{0}, bytes_{0}, rotations_{0}, deleted_{0}, reused_{0};
};

}  // namespace arc::wal
