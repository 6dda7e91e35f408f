// Recovery: at start-up, replays every worker's WAL segments above its watermark into that
// worker's buffers, flushes them, and archives the segments (docs/wal-format.md, "Recovery").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "buffer/flusher.h"
#include "buffer/worker.h"
#include "common/file_system.h"
#include "storage/storage.h"
#include "wal/manifest.h"

namespace arc::wal {

struct RecoveryTotals {
  int files = 0;
  uint64_t entries = 0;         // WAL entries replayed (the seed's "batches")
  uint64_t records = 0;         // rows replayed (the seed's "entries")
  uint64_t bytes = 0;           // segment bytes read
  uint64_t corrupted = 0;       // entries lost to corruption, plus unreadable files
  uint64_t skipped = 0;         // entries at or below a watermark or already flushed
  uint64_t orphans_deleted = 0;
  double seconds = 0;
};

// What the live WAL of a worker continues from.
struct WorkerResume {
  uint64_t next_lsn = 1;
  uint64_t next_segment = 1;
  int64_t last_name_seconds = 0;
};

class Recovery {
 public:
  // `worker_for(k)` gives the Worker that replays worker k's entries (with its manifest
  // attached); every pointer must outlive Run.
  Recovery(FileSystem* fs, std::string dir, Storage* storage, Flusher* flusher,
           std::function<Worker*(int)> worker_for,
           std::function<Manifest*(int)> manifest_for);

  // Replays all workers in parallel, flushes, and archives what is durably in Parquet.
  // Segments that could not be flushed within `flush_timeout` are kept for the next start.
  Status Run(std::chrono::milliseconds flush_timeout);
  const RecoveryTotals& totals() const { return totals_; }
  // Where each worker id found on disk must continue (LSN, segment number, name time).
  const std::map<int, WorkerResume>& resume() const { return resume_; }
  // Worker ids with segments or a manifest in the directory.
  static Result<std::vector<int>> WorkerIds(FileSystem* fs, const std::string& dir);

 private:
  struct Segment {
    std::string name;
    uint64_t last_lsn = 0;
    bool readable = false;
  };
  Status RecoverWorker(int worker, std::vector<Segment>* segments, RecoveryTotals* totals);
  Status ScanForOrphans(int worker, const std::vector<Segment>& segments, Manifest* manifest,
                        RecoveryTotals* totals);
  Status ReplayEntries(int worker, std::vector<Segment>* segments, Manifest* manifest,
                       RecoveryTotals* totals);
  void Archive(const std::vector<Segment>& segments, uint64_t watermark);

  FileSystem* const fs_;
  const std::string dir_;
  Storage* const storage_;
  Flusher* const flusher_;
  const std::function<Worker*(int)> worker_for_;
  const std::function<Manifest*(int)> manifest_for_;
  RecoveryTotals totals_;
  std::map<int, WorkerResume> resume_;
  std::map<int, std::vector<std::pair<uint64_t, uint64_t>>> corrupt_gaps_;
};

}  // namespace arc::wal
