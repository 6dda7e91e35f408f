// Storage: where finished Parquet files are published (local directory now, S3 later).
#pragma once

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
};

}  // namespace arc
