// Compactor: background compaction (docs/lifecycle.md, "Compaction"). One thread merges each
// due partition (database, measurement, complete hour) into one sorted zstd file per run of
// at most compaction.target_file_size, through the FileSetSwitch, with a private DuckDB whose
// memory_limit bounds it (the sort spills; a partition is never loaded whole).
#pragma once

#include <duckdb.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "common/config.h"
#include "common/file_system.h"
#include "storage/duckdb_util.h"
#include "storage/file_set_switch.h"
#include "storage/lazy_duck_connection.h"
#include "storage/live_files.h"
#include "storage/storage.h"

namespace arc {

struct CompactionStats {
  uint64_t cycles = 0;
  uint64_t jobs = 0;      // partitions compacted
  uint64_t failures = 0;  // partitions that failed (retried next cycle)
  uint64_t files_in = 0, files_out = 0, rows = 0, bytes_in = 0, bytes_out = 0;
  double seconds = 0;    // spent compacting
  bool running = false;  // a cycle is in progress
  uint64_t pending = 0;  // due partitions found by the last cycle, not yet done
  std::string last_error;
  int64_t last_cycle_unix = 0;
};

// One partition's job, as the status endpoint shows it.
struct CompactionJob {
  std::string database, measurement;
  int64_t hour = 0;
  size_t files_in = 0, files_out = 0;
  uint64_t rows = 0, bytes_in = 0, bytes_out = 0;
  double seconds = 0;
  std::string error;  // empty when it succeeded
};

class Compactor {
 public:
  // Every pointer must outlive the compactor. `root` is storage.local_path.
  Compactor(const CompactionConfig& config, FileSystem* fs, Storage* storage, LiveFileSet* live,
            FileSetSwitch* file_switch, std::string root);
  ~Compactor();  // Stop()

  // Opens the compactor's DuckDB and starts the thread (cycles every interval_seconds).
  Status Start();
  // Interrupts a running job (it is rolled back) and joins the thread. Idempotent.
  void Stop();
  // Asks for a cycle now, of one database or all. Thread-safe.
  void Trigger(std::optional<std::string> database);
  // Runs one cycle on the caller's thread (due partitions of `database`, or all); the count
  // of partitions compacted. `full_scan` lists every hour folder; otherwise only hours noted
  // by NoteWritten since are looked at (the first cycle always scans). For tests and the
  // thread.
  Result<int> RunCycle(const std::optional<std::string>& database, bool full_scan = true);
  // Notes that files were written to these partitions (relative data file paths), so that
  // timer cycles look at them instead of listing every hour folder. Thread-safe.
  void NoteWritten(const std::vector<std::string>& relative_paths);

  CompactionStats stats() const;
  std::vector<CompactionJob> recent_jobs() const;  // newest last, at most 20

 private:
  struct Partition {
    std::string database, measurement;
    int64_t hour = 0;
    std::string dir;  // relative hour folder
  };
  using PartitionKey = std::tuple<std::string, std::string, int64_t>;  // db, measurement, hour
  // Every hour folder of `database` (or all) that is due.
  std::vector<Partition> ScanDue(const std::optional<std::string>& database, int64_t now_seconds);
  // The noted hours that are due (taken out of the noted set); the others stay noted.
  std::vector<Partition> NotedDue(const std::optional<std::string>& database, int64_t now_seconds);
  void Loop();
  std::vector<Partition> DuePartitions(const std::optional<std::string>& database,
                                       int64_t now_seconds, bool full_scan);
  CompactionJob CompactPartition(const Partition& p);
  // True when every file (relative) exists and no switch is replacing it. Call under LockJobs.
  bool StillLive(const std::vector<std::string>& files) const;
  void Record(const CompactionJob& job);

  const CompactionConfig config_;
  FileSystem* const fs_;
  Storage* const storage_;
  LiveFileSet* const live_;
  FileSetSwitch* const switch_;
  const std::string root_;
  std::unique_ptr<LazyDuckConnection> duck_;  // set by Start

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool triggered_ = false;
  std::optional<std::string> trigger_database_;
  std::atomic<bool> stopping_{false};
  CompactionStats stats_;
  std::vector<CompactionJob> recent_;
  std::set<PartitionKey> noted_;  // hours written since they were last looked at
  bool scanned_ = false;          // a full scan has run (the first cycle does one)
  std::thread thread_;
};

}  // namespace arc
