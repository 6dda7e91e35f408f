// ParquetWriter: turns one measurement's batches into one Parquet file per UTC hour of their
// rows, through DuckDB's COPY … TO (FORMAT parquet) fed by a table function that streams our
// columns. Each writer owns a private in-memory DuckDB with one thread: the flusher already
// runs writers in parallel, and an engine error that invalidates a database (DuckDB does so
// after an internal error) costs only this writer a reopen, never every flush of the server.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/enums.h"
#include "common/result.h"
#include "ingest/batch.h"
#include "storage/duckdb_util.h"
#include "storage/flush_view.h"
#include "storage/storage.h"

namespace arc {

// The tag columns the "arc:tags" footer entries of `files` name (union over the files).
Result<std::set<std::string>> ReadTagNames(DuckConnection* conn,
                                           const std::vector<std::string>& files);

// Where a set of batches goes: the measurement's hour folders, as <stem>.parquet
// (storage/partition_layout.h names the stems).
struct WriteTarget {
  std::string database;
  std::string measurement;
  std::string file_stem;
};

// Not thread-safe: one writer per flushing thread.
class ParquetWriter {
 public:
  // Opens the writer's database. `storage` must outlive the writer.
  static Result<std::unique_ptr<ParquetWriter>> Create(Storage* storage, ParquetCompression compression);
  ParquetWriter(Storage* storage, ParquetCompression compression);

  // Writes every row of `batches` (one measurement's; column types agree), sorted by time, to
  // one temp file per UTC hour, named for `target`. Nothing is visible yet: publish the files
  // with Storage::CommitAll. On error the temp files are removed. Errors: IOError/NoSpace are
  // the machine's (disk, a failed engine reopen); Unavailable is the engine running out of
  // memory while writing these rows (theirs or the machine's); InvalidArgument and Internal
  // come from the rows themselves and repeat (see IsDataDependent).
  Result<std::vector<DataFile>> Prepare(const WriteTarget& target, const std::vector<Batch>& batches);
  // Prepare, then Storage::CommitAll.
  Result<std::vector<DataFile>> Write(const WriteTarget& target, const std::vector<Batch>& batches);

  // What the registered table function reads; set only while a COPY runs.
  struct ScanSource {
    const FlushView* view = nullptr;
    const HourSlice* slice = nullptr;
  };

 private:
  Status Open();
  Status RegisterScanFunction();
  Status CopyHour(const FlushView& view, const HourSlice& slice, const std::string& temp);

  Storage* const storage_;
  const ParquetCompression compression_;
  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
  bool reopen_ = false;   // the last error may have invalidated db_
  std::string scan_name_;
  ScanSource source_;
};

// True for a write error that comes from the rows themselves and would repeat on a retry
// (as opposed to a full disk, an unreachable bucket or a lack of memory).
bool IsDataDependent(const Status& write_error);

}  // namespace arc
