// ParquetFileWriter: writes one hour slice of a FlushView as a Parquet file without a SQL
// engine, in the format docs/parquet-flush.md describes (types, nulls, dictionaries for
// strings, statistics, the arc:tags key).
#pragma once

#include <memory>
#include <string>

#include "common/enums.h"
#include "common/file_system.h"
#include "common/status.h"
#include "storage/flush_view.h"
#include "storage/parquet_encoding.h"

namespace arc {

// Not thread-safe: one per flushing thread (it reuses its buffers and compressor).
class ParquetFileWriter {
 public:
  // The buffers and dictionaries kept from file to file (defined in the .cc).
  struct FileScratch;
  // Rows per row group (DuckDB's default, so readers parallelise the same way).
  static constexpr size_t kRowGroupRows = 122880;

  // `fs` must outlive the writer.
  ParquetFileWriter(FileSystem* fs, ParquetCompression compression);
  ~ParquetFileWriter();

  // Writes the rows of `slice` (of a consistent `view`) to a new file at `path`, replacing
  // any file there, and closes it. Not durable: the caller syncs it (Storage::Stage). On
  // error the file may be partial; the caller removes it. Errors: the file system's
  // (IOError, NoSpace); Unavailable when memory runs out (a compression library, or an
  // allocation for the rows' pages).
  Status Write(const FlushView& view, const HourSlice& slice, const std::string& path,
               size_t row_group_rows = kRowGroupRows);

 private:
  FileSystem* const fs_;
  PageCompressor compressor_;
  std::unique_ptr<FileScratch> scratch_;  // reused file after file
};

}  // namespace arc
