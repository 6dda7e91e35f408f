// Deleter: the delete API's mechanism (docs/lifecycle.md, "Delete"). Removes the rows of one
// measurement that a checked predicate (lifecycle/delete_predicate.h) matches: first the rows
// still in memory are written out (so every acknowledged row is in a file, recorded in the
// WAL manifest), then each hour holding matches gets one FileSetSwitch of kind delete that
// replaces its affected files by one file of their remaining rows (none when nothing
// remains). A crash leaves each hour wholly before or wholly after its delete.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/config.h"
#include "common/file_system.h"
#include "lifecycle/delete_predicate.h"
#include "storage/duckdb_util.h"
#include "storage/file_set_switch.h"
#include "storage/lazy_duck_connection.h"
#include "storage/live_files.h"
#include "storage/storage.h"

namespace arc {

struct DeleteRequest {
  std::string database, measurement, where;
  bool dry_run = false;
  bool confirm = false;
};

struct DeleteResult {
  bool dry_run = false;
  uint64_t deleted_rows = 0;
  size_t affected_files = 0;   // files that held matching rows
  size_t rewritten_files = 0;  // of those, files whose other rows were kept (rewritten)
  size_t removed_files = 0;    // of those, files removed whole (every row matched)
  int hours = 0;               // hours touched
  double seconds = 0;
};

struct DeleteStats {
  uint64_t requests = 0, failures = 0, rows = 0, files_rewritten = 0, files_removed = 0;
};

class Deleter {
 public:
  // Writes the rows of (db, measurement) still in memory to storage and waits for it
  // (IngestEngine::FlushMeasurement); an error aborts the delete before anything changed.
  using FlushFn = std::function<Status(const std::string& db, const std::string& measurement)>;

  // Every pointer must outlive the object. `root` is storage.local_path.
  Deleter(const DeleteConfig& config, int64_t row_group_size, std::string memory_limit,
          FileSystem* fs, Storage* storage, LiveFileSet* live, FileSetSwitch* file_switch,
          std::string root, FlushFn flush);

  // Opens the deleter's DuckDB (memory-limited, spilling under .lifecycle).
  Status Start();
  // Runs one delete (or, with dry_run, only counts). InvalidArgument naming a bad name or
  // predicate, or a delete that needs "confirm" (no time bound, or more rows than
  // delete.confirm_threshold_rows); Unavailable when the rows in memory could not be written
  // out. One delete at a time; thread-safe.
  Result<DeleteResult> Execute(const DeleteRequest& request);
  DeleteStats stats() const;

 private:
  struct HourMatches {
    std::string dir;                                        // relative hour folder
    std::vector<std::string> files;                         // live, settled files (relative)
    std::vector<std::pair<std::string, uint64_t>> matched;  // affected files, matching rows
    std::vector<std::string> missing;  // predicate columns no file of the hour has
  };
  // The live, settled files of hour folder `dir` and which of them `p` matches.
  Result<HourMatches> Match(const std::string& dir, const DeletePredicate& p);
  // Match without the jobs lock, listing again when a file went away meanwhile.
  Result<HourMatches> Count(const std::string& dir, const DeletePredicate& p);
  // Switches one hour: its affected files → one file of their remaining rows.
  Status Rewrite(const HourMatches& hour, const DeletePredicate& p, DeleteResult* result);
  // The predicate's columns that `files` (absolute) lack, added as NULL so that it binds.
  Result<std::vector<std::string>> MissingColumns(const std::vector<std::string>& files,
                                                  const DeletePredicate& p);

  const DeleteConfig config_;
  const int64_t row_group_size_;
  const std::string memory_limit_;
  FileSystem* const fs_;
  Storage* const storage_;
  LiveFileSet* const live_;
  FileSetSwitch* const switch_;
  const std::string root_;
  const FlushFn flush_;
  std::unique_ptr<LazyDuckConnection> duck_;  // set by Start
  DuckConnection* conn_ = nullptr;            // duck_'s, once a delete opened it (under run_mu_)
  std::mutex run_mu_;                         // one delete at a time (and the connection)
  mutable std::mutex mu_;
  DeleteStats stats_;
};

}  // namespace arc
