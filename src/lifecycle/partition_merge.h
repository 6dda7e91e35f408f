// PartitionMerge: the one way lifecycle jobs write a replacement file. Compaction merges a
// run of files; delete rewrites the affected files without the deleted rows. Both read the
// inputs unified by name (the types queries see), sort by the tags, then time, and write
// zstd Parquet carrying the tag list (arc:tags), streaming within the connection's memory
// limit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/duckdb_util.h"

namespace arc {

// Runs `sql` and returns the first column of every row as text (NULL as ""). Errors as
// StatusFromDuckError.
Result<std::vector<std::string>> QueryFirstColumn(DuckConnection* conn, const std::string& sql);

// Which rows a merge keeps: those for which `keep` (a SQL predicate over the inputs' columns)
// is true; empty keeps every row. `null_columns` are columns the predicate names that the
// inputs lack: they read as NULL and are not written.
struct MergeFilter {
  std::string keep;
  std::vector<std::string> null_columns;
};

// The rows of `inputs` (absolute paths) unified by name as a FROM item, with
// `null_columns` added as NULL and, when `file_column` is set, each row's file in it.
std::string FilesRelation(const std::vector<std::string>& inputs,
                          const std::vector<std::string>& null_columns,
                          const std::string& file_column = "");

// Writes the rows of `inputs` (absolute paths) that `filter` keeps to `output` (absolute),
// sorted by the inputs' tags then time, in row groups of `row_group_size`. Returns the rows
// written. Not durable: the caller syncs (the FileSetSwitch stages it). Not thread-safe per
// connection.
Result<uint64_t> WriteMergedFile(DuckConnection* conn, const std::vector<std::string>& inputs,
                                 const MergeFilter& filter, const std::string& output,
                                 int64_t row_group_size);

// The DuckDB memory_limit for merges whose whole budget is `budget` (compaction.memory_limit,
// e.g. "256MB"): half of it, at least 32MB. DuckDB's sort and Parquet writer allocate about as
// much again outside its buffer pool (measured on 60 M rows in 900 files: limit 128MB, peak
// +232 MB). InvalidArgument for a budget that is not a size.
Result<std::string> MergeMemoryLimit(const std::string& budget);

// True for DuckDB's out-of-memory error (a merge of fewer files may fit).
bool IsOutOfMemory(const Status& status);

// The total rows in `inputs` (absolute paths), from their footers.
Result<uint64_t> CountFileRows(DuckConnection* conn, const std::vector<std::string>& inputs);

}  // namespace arc
