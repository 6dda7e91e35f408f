// ParquetWriter: turns one measurement's batches into one Parquet file per UTC hour of their
// rows, through DuckDB's COPY … TO (FORMAT parquet) fed by a table function that streams our
// columns.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/enums.h"
#include "common/result.h"
#include "ingest/batch.h"
#include "storage/duckdb_util.h"
#include "storage/flush_view.h"
#include "storage/storage.h"

namespace arc {

// Where a set of batches goes: the measurement's hour folders, as <stem>.parquet
// (storage/partition_layout.h names the stems).
struct WriteTarget {
  std::string database;
  std::string measurement;
  std::string file_stem;
};

struct WrittenFile {
  std::string relative_path;   // <db>/<measurement>/YYYY/MM/DD/HH/<stem>.parquet
  size_t rows = 0;
  uint64_t bytes = 0;
};

// Not thread-safe: one writer per flushing thread (it owns a DuckDB connection).
class ParquetWriter {
 public:
  // `storage` must outlive the writer.
  static Result<std::unique_ptr<ParquetWriter>> Create(const DuckDatabase& db, Storage* storage,
                                                        ParquetCompression compression);
  ParquetWriter(std::unique_ptr<DuckConnection> conn, Storage* storage,
                ParquetCompression compression);

  // Prepare + Publish.
  Result<std::vector<WrittenFile>> Write(const WriteTarget& target, const std::vector<Batch>& batches);

  // Writes every row of `batches` (one measurement's), sorted by time, to one temp file per
  // UTC hour. Nothing is visible yet; on error the temp files are removed.
  struct Prepared {
    std::vector<std::string> temp_paths;
    std::vector<WrittenFile> files;   // relative_path and rows; bytes after Publish
  };
  Result<Prepared> Prepare(const WriteTarget& target, const std::vector<Batch>& batches);
  // Publishes prepared files as <stem>.parquet under their hour folders (durable on OK).
  // On error the files this call published are removed again (best effort, logged), so the
  // rows are either all visible in files or all still with the caller for a retry.
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
  const ParquetCompression compression_;
  std::string scan_name_;
  ScanSource source_;
};

}  // namespace arc
