// ParquetWriter: turns a FlushJob into one Parquet file per UTC hour of its data, through DuckDB.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "buffer/flush_job.h"
#include "common/result.h"
#include "storage/duckdb_util.h"
#include "storage/storage.h"

namespace arc {

struct WrittenFile {
  std::string relative_path;   // <db>/<measurement>/YYYY/MM/DD/HH/<stem>.parquet
  size_t rows = 0;
};

// Not thread-safe: one writer per flushing thread (it owns a DuckDB connection).
class ParquetWriter {
 public:
  // `storage` must outlive the writer. `compression`: zstd | snappy | gzip | none.
  static Result<std::unique_ptr<ParquetWriter>> Create(const DuckDatabase& db, Storage* storage,
                                                        std::string compression);
  // Writes every row of `job`, sorted by time, as <stem>.parquet under each hour's folder.
  // On OK every file is durably published; on error nothing of this call is published
  // except files of hours already committed (a retry rewrites them under the same name).
  Result<std::vector<WrittenFile>> Write(const FlushJob& job);

  ParquetWriter(std::unique_ptr<DuckConnection> conn, Storage* storage, std::string compression);

 private:
  Status LoadTable(const std::string& table, const FlushJob& job);
  Status CopyHour(const std::string& table, const FlushJob& job, int64_t hour,
                  bool whole_table, WrittenFile* out);

  std::unique_ptr<DuckConnection> conn_;
  Storage* const storage_;
  const std::string compression_;
  uint64_t table_counter_ = 0;
};

// The relative directory of a UTC hour: <db>/<measurement>/YYYY/MM/DD/HH.
std::string HourDirectory(const std::string& db, const std::string& measurement,
                          int64_t hour_since_epoch);

// floor(time_us / 1 hour).
int64_t HourOf(int64_t time_us);

}  // namespace arc
