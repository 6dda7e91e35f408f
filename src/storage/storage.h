// Storage: where finished Parquet files are published: a local directory (LocalStorage) or an
// S3-compatible bucket with a local read cache (S3Storage).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace arc {

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
};

}  // namespace arc
