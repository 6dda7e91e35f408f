// Which Parquet files share one schema, learned in the query worker from their footers (which
// its DuckDB caches anyway). A read_parquet source whose files all share one schema reads
// them without union_by_name: the same result, without opening every file's footer at bind
// (only the first's), about a fifth of a count(*) over 200 files.
#pragma once

#include <duckdb.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace arc {

class ParquetSignatures {
 public:
  // Reads the schema of each of `files` not known yet (one parquet_schema pass over them) on
  // `conn`. An error (a file missing or unreadable) leaves them unknown; the query reports it.
  // Not thread-safe.
  Status Learn(duckdb_connection conn, const std::vector<std::string>& files);

  // True when every one of `files` is known and all have the same schema.
  bool OneSchema(const std::vector<std::string>& files) const;

  // Forgets everything (the worker reopened its database).
  void Clear() { signatures_.clear(); }
  size_t known() const { return signatures_.size(); }

 private:
  std::unordered_map<std::string, std::string> signatures_;  // path → its whole Parquet schema
};

}  // namespace arc
