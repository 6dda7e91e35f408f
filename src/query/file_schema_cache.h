// The schema of a measurement's Parquet files without reading every footer each time: each
// file's schema signature (its Parquet schema) and tag names (its arc:tags metadata) are read
// once and kept by path and size (data files are immutable and their names never reused,
// partition_layout.h; a file rewritten under its name with another size is read again). The
// union of the schemas is then DuckDB's own (read_parquet union_by_name) over one file per
// distinct signature, usually one or two footers. InfluxQL plans every SELECT with it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "storage/duckdb_util.h"

namespace arc {

struct FileSchemas {
  std::map<std::string, std::string> columns;  // name → DuckDB type, the union over the files
  std::set<std::string> tags;                  // names some file's arc:tags lists
};

class FileSchemaCache {
 public:
  // `max_files` bounds the files remembered (all forgotten past it).
  explicit FileSchemaCache(size_t max_files = 50000) : max_files_(max_files) {}

  // The union schema and tag names of `files` (sizes as listed, same order). Reads the footers
  // of files not seen before, then of one file per distinct schema, on `conn` (whose database
  // may read the files). Errors are DuckDB's. Thread-safe (footers are read outside the lock).
  Result<FileSchemas> Describe(DuckConnection* conn, const std::vector<std::string>& files,
                               const std::vector<uint64_t>& sizes);

  size_t remembered() const;

 private:
  struct Read {
    std::string signature;
    std::set<std::string> tags;
  };
  struct Known {
    uint64_t size = 0;
    const std::string* signature = nullptr;  // in signatures_: many files share one
    std::set<std::string> tags;
  };

  // Reads signature and tags of `files` into *read (one footer pass each for schema and
  // metadata).
  static Status ReadFiles(DuckConnection* conn, const std::vector<std::string>& files,
                          std::unordered_map<std::string, Read>* read);

  const size_t max_files_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Known> known_;  // by absolute path
  std::set<std::string> signatures_;              // the distinct ones known_ points to
};

}  // namespace arc
