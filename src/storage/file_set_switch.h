// FileSetSwitch: the one way to change the set of live data files (docs/lifecycle.md):
// compaction, delete and retention replace or remove files through it, and a crash at any
// point leaves either the inputs or the outputs live, never both and never neither, once
// Recover has run. One instance per data directory; the records live in <root>/.lifecycle.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"
#include "storage/live_files.h"
#include "storage/storage.h"
#include "storage/switch_record.h"

namespace arc {

struct SwitchRecoveryTotals {
  int rolled_back = 0;
  int rolled_forward = 0;
  int debris_removed = 0;  // output temp files of switches that never recorded an intent
};

class FileSetSwitch {
 public:
  // A switch between Begin and Commit: write each output to temp_paths[i] (absolute).
  struct Pending {
    SwitchRecord record;
    std::vector<std::string> temp_paths;
  };

  // `fs`, `storage` and `live` must outlive the object. `root` is storage.local_path;
  // `boot_id` makes output names unique to this process (never reused for other content).
  FileSetSwitch(FileSystem* fs, Storage* storage, LiveFileSet* live, std::string root,
                uint64_t boot_id);

  // Start-up, before WAL replay and before any query: finishes (committed) or rolls back
  // (intent) every recorded switch, removes debris. Corruption naming the record for a
  // record that fails its checksum or a committed output that is gone. Not concurrent with
  // anything else here.
  Status Recover(SwitchRecoveryTotals* totals);

  // Compaction, retention and delete each hold this from choosing a switch's inputs to the
  // end of its Commit (or Abandon), so no two switches ever consume the same file. First
  // come, first served: a delete waits for the compaction run in progress, not for a
  // compactor that takes the lock again and again.
  class JobsLock {
   public:
    explicit JobsLock(FileSetSwitch* owner);
    ~JobsLock();
    JobsLock(const JobsLock&) = delete;
    JobsLock& operator=(const JobsLock&) = delete;

   private:
    FileSetSwitch* const owner_;
  };
  JobsLock LockJobs() { return JobsLock(this); }

  // Records the intent of a switch durably (from here a crash rolls it back) and gives the
  // temp paths to write its outputs to. `output_paths` are the final relative paths, named
  // with OutputStem. Unavailable when an input is retired (another switch has it).
  // Thread-safe.
  Result<Pending> Begin(SwitchKind kind, std::vector<std::string> inputs,
                        std::vector<std::string> output_paths);
  // A stem no other file of this data directory has or had: "[<node>_]<prefix><boot>-<n>".
  // Thread-safe.
  std::string OutputStem(const std::string& prefix);
  // Stages the outputs (rows per output in `rows`), commits, exposes them and retires the
  // inputs under the view lock, waits for queries that may have listed the inputs, deletes
  // the inputs and removes the record. An error before the commit rolls the switch back; an
  // error after it leaves the record, and FinishUnfinished (or the next start) completes it.
  Status Commit(Pending* pending, const std::vector<uint64_t>& rows);
  // Rolls back a switch that will not be committed (its outputs could not be written).
  Status Abandon(Pending* pending);
  // Completes switches whose Commit failed after the commit point. Thread-safe.
  Status FinishUnfinished();
  // Switches committed but not finished (their inputs stay retired meanwhile).
  size_t unfinished() const;

 private:
  std::string RecordPath(uint64_t seq) const;
  Status WriteRecord(const SwitchRecord& record);
  Status RemoveRecord(uint64_t seq);
  Status RollBack(const SwitchRecord& record);
  // Exposes outputs not yet exposed, retires the inputs, drains, deletes them, removes the
  // record. Idempotent.
  Status RollForward(const SwitchRecord& record);
  Result<std::optional<uint64_t>> ExposeOutputs(const SwitchRecord& record);
  Status DeleteInputs(const SwitchRecord& record);

  FileSystem* const fs_;
  Storage* const storage_;
  LiveFileSet* const live_;
  const std::string root_;
  const std::string dir_;  // <root>/.lifecycle
  const uint64_t boot_id_;
  std::atomic<uint64_t> next_seq_{1};
  std::atomic<uint64_t> next_stem_{1};
  std::mutex jobs_mu_;  // a ticket lock: JobsLock takes the next ticket, waits for its turn
  std::condition_variable jobs_cv_;
  uint64_t jobs_next_ticket_ = 0, jobs_serving_ = 0;
  mutable std::mutex mu_;
  std::vector<SwitchRecord> unfinished_;  // committed, Commit failed after; guarded by mu_
};

}  // namespace arc
