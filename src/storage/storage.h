// Storage: where finished Parquet files are published: a local directory (LocalStorage) or an
// S3-compatible bucket with a local read cache (S3Storage).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace arc {

// A data file on its way to publication, then published.
struct DataFile {
  std::string temp_path;       // where it was written; empty once published
  std::string relative_path;   // <db>/<measurement>/YYYY/MM/DD/HH/<stem>.parquet
  size_t rows = 0;
  uint64_t bytes = 0;          // set when published
};

class Storage {
 public:
  virtual ~Storage() = default;
  // A fresh local path where the caller may write a file for Commit. Thread-safe.
  virtual std::string NewTempPath() = 0;
  // Publishes the finished temp file at `relative_path` (<db>/<measurement>/YYYY/MM/DD/HH/f).
  // OK means the file is durable at its final place and the temp file is gone; `*bytes` is
  // its size. Thread-safe.
  virtual Status Commit(const std::string& temp_path, const std::string& relative_path,
                        uint64_t* bytes) = 0;
  // Publishes every file, all or nothing: OK means all are durable at their places (bytes
  // set, temp_path cleared); on error none is published (those this call had published are
  // deleted again, best effort and logged) and every temp file is removed. The default
  // commits one by one; a backend may batch the syncs. Thread-safe.
  virtual Status CommitAll(std::vector<DataFile>* files);
  // Removes a temp file after a failed write (best effort). Thread-safe.
  virtual void Discard(const std::string& temp_path) = 0;
  // File names (not directories) directly in `relative_dir`; empty when it does not exist.
  virtual Result<std::vector<std::string>> List(const std::string& relative_dir) = 0;
  // Deletes a published file durably (NotFound when absent).
  virtual Status Delete(const std::string& relative_path) = 0;
  virtual std::string Describe() const = 0;
  // Makes the files of (db, measurement) in hours [min_hour, max_hour] (unbounded when
  // absent) readable under the local data directory: a no-op for local storage, a download
  // of what the read cache lacks for object storage. Thread-safe.
  virtual Status EnsureLocal(const std::string& db, const std::string& measurement,
                             std::optional<int64_t> min_hour, std::optional<int64_t> max_hour) {
    (void)db, (void)measurement, (void)min_hour, (void)max_hour;
    return Status::OK();
  }

 protected:
  // CommitAll's failure path: deletes files[0, published) again and discards the temp files
  // of files[published, end). Returns `why`.
  Status Withdraw(std::vector<DataFile>* files, size_t published, const Status& why);
};

}  // namespace arc
