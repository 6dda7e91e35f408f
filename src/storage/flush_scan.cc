#include "storage/flush_scan.h"

#include <algorithm>
#include <cstring>

namespace arc {
namespace {

duckdb_type DuckType(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64: return DUCKDB_TYPE_BIGINT;
    case ColumnType::kDouble: return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kString: return DUCKDB_TYPE_VARCHAR;
    case ColumnType::kBool: return DUCKDB_TYPE_BOOLEAN;
  }
  return DUCKDB_TYPE_VARCHAR;
}

// Copies `n` rows [row, row+n) of batch column `c` into output positions [out, out+n).
void CopyValues(const Column& c, size_t row, size_t n, duckdb_vector v, size_t out) {
  void* data = duckdb_vector_get_data(v);
  switch (c.type()) {
    case ColumnType::kInt64:
      std::memcpy(static_cast<int64_t*>(data) + out, c.ints().data() + row, n * 8);
      break;
    case ColumnType::kDouble:
      std::memcpy(static_cast<double*>(data) + out, c.doubles().data() + row, n * 8);
      break;
    case ColumnType::kBool:
      std::memcpy(static_cast<uint8_t*>(data) + out, c.bools().data() + row, n);
      break;
    case ColumnType::kString:
      for (size_t i = 0; i < n; ++i) {
        if (!c.IsValid(row + i)) continue;
        const std::string_view s = c.StringAt(row + i);
        duckdb_vector_assign_string_element_len(v, out + i, s.data(), s.size());
      }
      break;
  }
  if (!c.has_nulls()) return;
  for (size_t i = 0; i < n; ++i) {
    if (c.IsValid(row + i)) continue;
    duckdb_vector_ensure_validity_writable(v);
    duckdb_validity_set_row_invalid(duckdb_vector_get_validity(v), out + i);
  }
}

void SetNulls(duckdb_vector v, size_t out, size_t n) {
  duckdb_vector_ensure_validity_writable(v);
  uint64_t* validity = duckdb_vector_get_validity(v);
  for (size_t i = 0; i < n; ++i) duckdb_validity_set_row_invalid(validity, out + i);
}

}  // namespace

void AddScanColumns(duckdb_bind_info info, const FlushView& view) {
  duckdb_logical_type ts = duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP_TZ);
  duckdb_bind_add_result_column(info, "time", ts);
  duckdb_destroy_logical_type(&ts);
  for (const SchemaColumn& c : view.schema()) {
    duckdb_logical_type t = duckdb_create_logical_type(DuckType(c.type));
    duckdb_bind_add_result_column(info, c.name.c_str(), t);
    duckdb_destroy_logical_type(&t);
  }
}

HourSlice WholeView(const FlushView& view) {
  size_t rows = 0;
  for (const RowRun& r : view.runs()) rows += r.len;
  return {0, 0, view.runs().size(), rows};
}

void FillScanChunk(const FlushView& view, const HourSlice& slice, ScanCursor* cursor,
                   duckdb_data_chunk output) {
  const size_t capacity = duckdb_vector_size();
  const size_t ncols = view.schema().size();
  size_t filled = 0;
  duckdb_vector time_vec = duckdb_data_chunk_get_vector(output, 0);
  auto* times = static_cast<int64_t*>(duckdb_vector_get_data(time_vec));
  while (filled < capacity && slice.run_begin + cursor->run < slice.run_end) {
    const RowRun& run = view.runs()[slice.run_begin + cursor->run];
    const size_t n = std::min<size_t>(capacity - filled, run.len - cursor->offset);
    const size_t row = run.row + cursor->offset;
    const Batch& batch = view.batches()[run.batch];
    std::memcpy(times + filled, batch.time_us.data() + row, n * 8);
    const std::vector<int>& map = view.column_map()[run.batch];
    for (size_t i = 0; i < ncols; ++i) {
      duckdb_vector v = duckdb_data_chunk_get_vector(output, i + 1);
      if (map[i] < 0) SetNulls(v, filled, n);
      else CopyValues(batch.columns[map[i]], row, n, v, filled);
    }
    filled += n;
    cursor->offset += static_cast<uint32_t>(n);
    if (cursor->offset == run.len) {
      ++cursor->run;
      cursor->offset = 0;
    }
  }
  duckdb_data_chunk_set_size(output, filled);
}

}  // namespace arc
