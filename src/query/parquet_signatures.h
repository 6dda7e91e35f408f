// Which Parquet files share one schema, learned in the query worker from their footers (which
// its DuckDB caches anyway). A read_parquet source whose files all share one schema reads
// them without union_by_name: the same result, without opening every file's footer at bind
// (only the first's), about a fifth of a count(*) over 200 files.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace arc {

class ParquetSignatures {
 public:
  // Reads the schema of each of `files` (with their `sizes`, in order) not known yet under
  // that path and size (one parquet_schema pass over them) on `conn`: a file replaced under
  // its name with another size is learned again. An error (a file missing or unreadable)
  // leaves them unknown; the query reports it. Not thread-safe.
  Status Learn(duckdb_connection conn, const std::vector<std::string>& files,
               const std::vector<uint64_t>& sizes);

  // True when every one of `files` (with `sizes`) is known and all have the same schema.
  bool OneSchema(const std::vector<std::string>& files, const std::vector<uint64_t>& sizes) const;

  // Forgets everything (the worker reopened its database).
  void Clear() { signatures_.clear(); }
  size_t known() const { return signatures_.size(); }

 private:
  static std::string Key(const std::string& path, uint64_t size) { return path + '\0' + std::to_string(size); }
  std::unordered_map<std::string, std::string> signatures_;  // path + size → its whole schema
};

}  // namespace arc
