// ParquetWriter: turns one measurement's batches into one Parquet file per UTC hour of their
// rows, in time order, with the direct writer of storage/parquet_file_writer (the format is
// docs/parquet-flush.md). No SQL engine runs on the flush path: the flusher already runs
// writers in parallel, and a COPY's planning and dictionary analysis cost more than writing.
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
#include "storage/parquet_file_writer.h"
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
  // `storage` must outlive the writer; temp files go through its temp_file_system().
  static Result<std::unique_ptr<ParquetWriter>> Create(Storage* storage, ParquetCompression compression);
  ParquetWriter(Storage* storage, ParquetCompression compression);

  // Writes every row of `batches` (one measurement's; column types agree), sorted by time, to
  // one temp file per UTC hour, named for `target`. Nothing is visible yet: publish the files
  // with Storage::CommitAll. On error the temp files are removed. Errors: IOError/NoSpace are
  // the machine's (disk); Unavailable is memory running out (retried, then the part split);
  // Internal (batches that give one column two types) and InvalidArgument (a column named
  // like "time") come from the rows themselves and repeat (see IsDataDependent).
  Result<std::vector<DataFile>> Prepare(const WriteTarget& target, const std::vector<Batch>& batches);
  // Prepare, then Storage::CommitAll.
  Result<std::vector<DataFile>> Write(const WriteTarget& target, const std::vector<Batch>& batches);

 private:
  Storage* const storage_;
  ParquetFileWriter file_writer_;
};

// True for a write error that comes from the rows themselves and would repeat on a retry
// (as opposed to a full disk, an unreachable bucket or a lack of memory).
bool IsDataDependent(const Status& write_error);

}  // namespace arc
