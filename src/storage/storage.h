// Storage: where finished Parquet files are published: a local directory (LocalStorage) or an
// S3-compatible bucket with a local read cache (S3Storage).
//
// A set of files is published in three steps, so that only the instant they become visible
// has to happen under the caller's view lock (queries wait on it):
//   Stage   the data durable where it will be read from (fsync, or upload); not yet visible
//   Expose  visible under the final names (renames); quick
//   Seal    the names durable (directory syncs); only now does a crash keep the files
// Any step that fails withdraws the set (Withdraw) and returns the error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/result.h"

namespace arc {

// A data file on its way to publication.
struct DataFile {
  std::string temp_path;       // where it was written; empty once exposed
  std::string relative_path;   // <db>/<measurement>/YYYY/MM/DD/HH/<stem>.parquet
  size_t rows = 0;
  uint64_t bytes = 0;          // set by Stage
  bool staged = false;         // data durable (and, for S3, uploaded)
  bool exposed = false;        // visible under relative_path
  uint64_t sync_epoch = 0;     // the storage's own bookkeeping between the steps
};

class Storage {
 public:
  virtual ~Storage() = default;
  // This server's node id (server.node_id): every data file written through this storage is
  // named "<node>_<stem>" (storage/partition_layout.h). Set once, before any use.
  void set_node_id(std::string node) { node_id_ = std::move(node); }
  const std::string& node_id() const { return node_id_; }
  // True when file `name` (no folder) was written by this node, or before node ids.
  bool IsLocalNodeFile(std::string_view name) const;
  // A fresh local path where the caller may write a file for publication. Thread-safe.
  virtual std::string NewTempPath() = 0;
  // The file system NewTempPath's paths are on: callers write temp files through it, so
  // tests inject faults. Thread-safe.
  virtual FileSystem* temp_file_system() const { return DefaultFileSystem(); }
  // Publishes one finished temp file at `relative_path`, all three steps. OK means the file
  // is durable at its final place and the temp file is gone; `*bytes` is its size.
  // Thread-safe.
  virtual Status Commit(const std::string& temp_path, const std::string& relative_path,
                        uint64_t* bytes) = 0;

  // The three steps for a set of files (see above). Each is all or nothing: on error the set
  // is withdrawn. The defaults publish file by file with Commit in Expose. Thread-safe.
  virtual Status Stage(std::vector<DataFile>* files);
  virtual Status Expose(std::vector<DataFile>* files);
  virtual Status Seal(std::vector<DataFile>* files);
  // Stage, Expose and Seal in a row.
  Status CommitAll(std::vector<DataFile>* files);
  // Undoes a failed publication: deletes exposed files (and staged uploads), removes temp
  // files. A file whose delete fails stays `exposed` (logged): the caller must delete it
  // before publishing its rows under another name. Returns `why`.
  virtual Status Withdraw(std::vector<DataFile>* files, const Status& why);

  // Removes a temp file after a failed write (best effort). Thread-safe.
  virtual void Discard(const std::string& temp_path) = 0;
  // File names (not directories) directly in `relative_dir`; empty when it does not exist.
  virtual Result<std::vector<std::string>> List(const std::string& relative_dir) = 0;
  // Deletes a published file durably (NotFound when absent).
  virtual Status Delete(const std::string& relative_path) = 0;
  // Whether a published file exists where it is durable (the bucket for object storage).
  virtual Result<bool> Exists(const std::string& relative_path) = 0;
  virtual std::string Describe() const = 0;
  // Makes the files of (db, measurement) in hours [min_hour, max_hour] (unbounded when
  // absent) readable under the local data directory: a no-op for local storage, a download
  // of what the read cache lacks for object storage. Thread-safe.
  virtual Status EnsureLocal(const std::string& db, const std::string& measurement,
                             std::optional<int64_t> min_hour, std::optional<int64_t> max_hour) {
    (void)db, (void)measurement, (void)min_hour, (void)max_hour;
    return Status::OK();
  }

 private:
  std::string node_id_;
};

}  // namespace arc
