// The footer of the flush path's Parquet files (docs/parquet-flush.md): Parquet's enum
// values, what the writer records about each column chunk and row group, and FileMetaData in
// Thrift's compact protocol.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/batch.h"
#include "storage/flush_view.h"

namespace arc::parquet {

// Parquet's enum values (parquet.thrift).
enum PhysicalType { kBoolean = 0, kInt64 = 2, kDouble = 5, kByteArray = 6 };
enum Repetition { kRequired = 0, kOptional = 1 };
enum Encoding { kPlain = 0, kRle = 3, kDeltaBinaryPacked = 5, kRleDictionary = 8 };
enum PageType { kDataPage = 0, kDictionaryPage = 2 };
enum ConvertedType { kUtf8 = 0, kTimestampMicros = 10 };

PhysicalType PhysicalOf(ColumnType t);

// What the footer says about one column chunk.
struct ChunkMeta {
  int physical = 0;
  int codec = -1;  // Parquet codec number; decided at the chunk's first page
  std::vector<int> encodings;
  int64_t num_values = 0;
  int64_t uncompressed = 0;
  int64_t compressed = 0;
  int64_t data_page_offset = -1;
  int64_t dictionary_page_offset = -1;
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min, max;
};

struct RowGroupMeta {
  std::vector<ChunkMeta> chunks;
  int64_t rows = 0;
  int64_t offset = 0;
};

// FileMetaData for `view`'s columns (time first), `row_groups` and `rows` in all, with the
// arc:tags key and TYPE_ORDER column orders. Pure: the caller appends it, its length, "PAR1".
std::string EncodeFooter(const FlushView& view, const std::vector<RowGroupMeta>& row_groups, size_t rows);

}  // namespace arc::parquet
