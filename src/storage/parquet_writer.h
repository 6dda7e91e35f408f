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
  uint64_t bytes = 0;
};

// Not thread-safe: one writer per flushing thread (it owns a DuckDB connection).
class ParquetWriter {
 public:
  // `storage` must outlive the writer. `compression`: zstd | snappy | gzip | none.
  static Result<std::unique_ptr<ParquetWriter>> Create(const DuckDatabase& db, Storage* storage,
                                                        std::string compression);
  ParquetWriter(std::unique_ptr<DuckConnection> conn, Storage* storage, std::string compression);

  // Prepare + Publish.
  Result<std::vector<WrittenFile>> Write(const FlushJob& job);

  // Writes every row of `job`, sorted by time, to one temp file per UTC hour. Nothing is
  // visible yet; on error the temp files are removed.
  struct Prepared {
    std::vector<std::string> temp_paths;
    std::vector<WrittenFile> files;   // relative_path and rows; bytes after Publish
  };
  Result<Prepared> Prepare(const FlushJob& job);
  // Publishes prepared files as <stem>.parquet under their hour folders (durable on OK).
  // On error the files this call published are removed again (best effort, logged), so the
  // job's rows are either all visible in files or all still in memory for a retry.
  Result<std::vector<WrittenFile>> Publish(Prepared prepared);

  // What the registered table function reads; set only while Write runs a COPY.
  struct ScanSource {
    const FlushView* view = nullptr;
    const HourSlice* slice = nullptr;
  };

 private:
  Status RegisterScanFunction();
  Status CopyHour(const FlushView& view, const HourSlice& slice, const std::string& temp);

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
