// ParquetWriter: turns a FlushJob into one Parquet file per UTC hour of its data, through
// DuckDB's COPY … TO (FORMAT parquet) fed by a table function that streams our columns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "buffer/flush_job.h"
#include "common/result.h"
#include "storage/duckdb_util.h"
#include "storage/flush_view.h"
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
  ParquetWriter(std::unique_ptr<DuckConnection> conn, Storage* storage, std::string compression);

  // Writes every row of `job`, sorted by time, as <stem>.parquet under each hour's folder.
  // On OK every file is durably published. On error, files of hours committed before the
  // failure stay published; a retry rewrites them under the same names.
  Result<std::vector<WrittenFile>> Write(const FlushJob& job);

  // What the registered table function reads; set only while Write runs a COPY.
  struct ScanSource {
    const FlushView* view = nullptr;
    const HourSlice* slice = nullptr;
  };

 private:
  Status RegisterScanFunction();
  Status CopyHour(const FlushView& view, const HourSlice& slice, WrittenFile* out);

  std::unique_ptr<DuckConnection> conn_;
  Storage* const storage_;
  const std::string compression_;
  std::string scan_name_;
  ScanSource source_;
};

// The relative directory of a UTC hour: <db>/<measurement>/YYYY/MM/DD/HH.
std::string HourDirectory(const std::string& db, const std::string& measurement,
                          int64_t hour_since_epoch);

}  // namespace arc
