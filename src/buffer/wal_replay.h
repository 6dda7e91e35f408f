// WalReplay: start-up recovery of the write path. Reads every worker's WAL segments above its
// watermark (wal/log_dir.h, wal/segment_reader.h), decodes the entries (ingest/batch_codec.h),
// refills the workers' buffers, flushes them and archives the segments
// (docs/wal-format.md, "Recovery"). The log library knows nothing of what it replays; this
// layer owns the buffers and the flusher, as LevelDB replays its log into the memtable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "buffer/worker.h"
#include "common/file_system.h"
#include "storage/quarantine.h"
#include "storage/storage.h"
#include "wal/log_dir.h"
#include "wal/manifest.h"

namespace arc {

struct RecoveryTotals {
  int files = 0;
  uint64_t entries = 0;    // WAL entries replayed (the seed's "batches")
  uint64_t records = 0;    // rows replayed (the seed's "entries")
  uint64_t bytes = 0;      // segment bytes read
  uint64_t corrupted = 0;  // entries lost to corruption, plus unreadable files
  uint64_t skipped = 0;    // entries at or below a watermark or already flushed
  uint64_t orphans_deleted = 0;
  uint64_t quarantined = 0;     // entries that no longer decode, kept in the quarantine
  double seconds = 0;
};

class WalReplay {
 public:
  // `worker_for(k)` gives the Worker that replays worker k's entries (with its manifest
  // attached); `manifest_for(k)` its loaded manifest. Every pointer must outlive Run.
  // `quarantine` (may be null: such entries are then skipped and logged) receives entries
  // that pass their CRC but no longer decode.
  WalReplay(FileSystem* fs, std::string dir, Storage* storage, Quarantine* quarantine,
            std::function<Worker*(int)> worker_for,
            std::function<wal::Manifest*(int)> manifest_for);

  // A replayed segment: archive it once the persisted watermark reaches last_lsn.
  struct Replayed {
    std::string name;
    uint64_t last_lsn = 0;
  };

  // Replays the listed workers in parallel into their buffers (orphans removed first). The
  // rows are not flushed here: the caller hands the buffers to the flusher and archives each
  // segment of replayed() as the watermark passes it, so the port opens while they flush.
  // Segments that could not be read stay in place, untouched. Errors name the worker.
  Status Run(const wal::LogListing& listing);
  const RecoveryTotals& totals() const { return totals_; }
  // Per worker, the segments read, oldest first.
  const std::map<int, std::vector<Replayed>>& replayed() const { return replayed_; }
  // Where each worker id found on disk must continue (LSN, segment number, name time).
  const std::map<int, wal::WorkerResume>& resume() const { return resume_; }

 private:
  struct Segment {
    std::string name;
    uint64_t last_lsn = 0;
    bool readable = false;
  };
  Status RecoverWorker(int worker, std::vector<Segment>* segments, RecoveryTotals* totals);
  Status RemoveOrphans(int worker, const std::vector<Segment>& segments, wal::Manifest* manifest,
                       RecoveryTotals* totals);
  Status QuarantineEntry(int worker, const std::string& segment, uint64_t lsn,
                         std::string_view payload, const Status& why);
  Status ReplayEntries(int worker, std::vector<Segment>* segments, wal::Manifest* manifest,
                       RecoveryTotals* totals);

  FileSystem* const fs_;
  const std::string dir_;
  Storage* const storage_;
  Quarantine* const quarantine_;
  const std::function<Worker*(int)> worker_for_;
  const std::function<wal::Manifest*(int)> manifest_for_;
  RecoveryTotals totals_;
  std::map<int, wal::WorkerResume> resume_;
  std::map<int, std::vector<Replayed>> replayed_;
};

}  // namespace arc
