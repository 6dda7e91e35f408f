// Retention: applies retention policies (lifecycle/retention_policies.h) by removing whole
// hours past each policy's limit through the FileSetSwitch (docs/lifecycle.md), on a schedule
// and on demand. With S3 the expired hours of each measurement in the read cache are fetched
// from the bucket first (every node's files); measurements the cache has never seen are not.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/file_system.h"
#include "lifecycle/retention_policies.h"
#include "storage/duckdb_util.h"
#include "storage/file_set_switch.h"
#include "storage/lazy_duck_connection.h"
#include "storage/live_files.h"
#include "storage/storage.h"

namespace arc {

struct RetentionResult {
  int64_t policy_id = 0;
  bool dry_run = true;
  int64_t last_expired_hour = 0;  // every hour up to and including this one is removed
  int hours = 0;
  size_t files = 0;
  uint64_t rows = 0, bytes = 0;
  double seconds = 0;
};

struct RetentionStats {
  uint64_t runs = 0, failures = 0, hours = 0, files = 0, rows = 0, bytes = 0;
};

class Retention {
 public:
  // Every pointer must outlive the object. `root` is storage.local_path.
  Retention(int64_t interval_seconds, FileSystem* fs, Storage* storage, LiveFileSet* live,
            FileSetSwitch* file_switch, RetentionPolicies* policies, std::string root);
  ~Retention();  // Stop()

  // Opens its DuckDB (footers only) and starts the schedule thread.
  Status Start();
  void Stop();
  // Applies policy `id` now (or only counts, with `dry_run`). NotFound for an unknown policy.
  // One execution at a time. Thread-safe.
  Result<RetentionResult> Execute(int64_t id, bool dry_run);
  RetentionStats stats() const;

 private:
  void Loop();

  const int64_t interval_seconds_;
  FileSystem* const fs_;
  Storage* const storage_;
  LiveFileSet* const live_;
  FileSetSwitch* const switch_;
  RetentionPolicies* const policies_;
  const std::string root_;
  std::unique_ptr<LazyDuckConnection> duck_;  // set by Start
  std::mutex run_mu_;                         // one execution at a time (and the connection)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  RetentionStats stats_;
  std::thread thread_;
};

}  // namespace arc
