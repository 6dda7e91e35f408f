#include "storage/parquet_writer.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <memory>

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

std::string CompressionName(const std::string& c) { return c == "none" ? "uncompressed" : c; }

// Scan position inside the current hour slice.
struct Cursor {
  size_t run = 0;
  uint32_t offset = 0;  // rows of runs[run] already emitted
};

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

void ScanBind(duckdb_bind_info info) {
  auto* source = static_cast<ParquetWriter::ScanSource*>(duckdb_bind_get_extra_info(info));
  if (source->view == nullptr) return duckdb_bind_set_error(info, "no flush in progress");
  duckdb_logical_type ts = duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP_TZ);
  duckdb_bind_add_result_column(info, "time", ts);
  duckdb_destroy_logical_type(&ts);
  for (const SchemaColumn& c : source->view->schema()) {
    duckdb_logical_type t = duckdb_create_logical_type(DuckType(c.type));
    duckdb_bind_add_result_column(info, c.name.c_str(), t);
    duckdb_destroy_logical_type(&t);
  }
}

void ScanInit(duckdb_init_info info) {
  // Ownership passes to DuckDB, which calls the deleter when the scan ends.
  duckdb_init_set_init_data(info, std::make_unique<Cursor>().release(),
                            [](void* p) { delete static_cast<Cursor*>(p); });
  duckdb_init_set_max_threads(info, 1);  // one scanner: output order is time order
}

// Emits up to one vector of rows from the runs of the current hour slice.
void ScanFunction(duckdb_function_info info, duckdb_data_chunk output) {
  const auto* source = static_cast<ParquetWriter::ScanSource*>(duckdb_function_get_extra_info(info));
  auto* cursor = static_cast<Cursor*>(duckdb_function_get_init_data(info));
  const FlushView& view = *source->view;
  const size_t capacity = duckdb_vector_size();
  const size_t ncols = view.schema().size();
  size_t filled = 0;
  duckdb_vector time_vec = duckdb_data_chunk_get_vector(output, 0);
  auto* times = static_cast<int64_t*>(duckdb_vector_get_data(time_vec));
  while (filled < capacity && source->slice->run_begin + cursor->run < source->slice->run_end) {
    const RowRun& run = view.runs()[source->slice->run_begin + cursor->run];
    const size_t n = std::min<size_t>(capacity - filled, run.len - cursor->offset);
    const size_t row = run.row + cursor->offset;
    const Batch& batch = view.job().batches[run.batch];
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

}  // namespace

std::string HourDirectory(const std::string& db, const std::string& measurement, int64_t hour) {
  const std::time_t secs = static_cast<std::time_t>(hour * 3600);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d/%02d/%02d/%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return db + "/" + measurement + "/" + buf;
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(const DuckDatabase& db,
                                                              Storage* storage,
                                                              std::string compression) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(db));
  auto writer = std::make_unique<ParquetWriter>(std::move(conn), storage, std::move(compression));
  ARC_RETURN_IF_ERROR(writer->RegisterScanFunction());
  return writer;
}

ParquetWriter::ParquetWriter(std::unique_ptr<DuckConnection> conn, Storage* storage,
                             std::string compression)
    : conn_(std::move(conn)), storage_(storage), compression_(std::move(compression)) {}

// Registers arc_flush_scan_<n>() reading `source_`; the name is unique per writer because the
// catalog is shared by every connection of the database.
Status ParquetWriter::RegisterScanFunction() {
  static std::atomic<uint64_t> counter{0};
  scan_name_ = "arc_flush_scan_" + std::to_string(counter++);
  duckdb_table_function f = duckdb_create_table_function();
  duckdb_table_function_set_name(f, scan_name_.c_str());
  duckdb_table_function_set_extra_info(f, &source_, nullptr);
  duckdb_table_function_set_bind(f, ScanBind);
  duckdb_table_function_set_init(f, ScanInit);
  duckdb_table_function_set_function(f, ScanFunction);
  const duckdb_state st = duckdb_register_table_function(conn_->handle(), f);
  duckdb_destroy_table_function(&f);
  if (st != DuckDBSuccess) return Status::Internal("cannot register " + scan_name_);
  return Status::OK();
}

Status ParquetWriter::CopyHour(const FlushView& view, const HourSlice& slice, WrittenFile* out) {
  const std::string temp = storage_->NewTempPath();
  source_ = {&view, &slice};
  const std::string sql = "COPY (SELECT * FROM " + scan_name_ + "()) TO " + QuoteLiteral(temp) +
                          " (FORMAT parquet, COMPRESSION " + CompressionName(compression_) +
                          ", KV_METADATA {'arc:tags': " + QuoteLiteral(view.TagList()) + "})";
  Status st = conn_->Execute(sql);
  source_ = {};
  if (st.ok()) {
    out->relative_path = HourDirectory(view.job().database, view.job().measurement, slice.hour) +
                         "/" + view.job().file_stem + ".parquet";
    out->rows = slice.rows;
    st = storage_->Commit(temp, out->relative_path);
  }
  if (!st.ok()) storage_->Discard(temp);
  return st;
}

Result<std::vector<WrittenFile>> ParquetWriter::Write(const FlushJob& job) {
  const FlushView view(job);
  std::vector<WrittenFile> files;
  for (const HourSlice& slice : view.hours()) {
    WrittenFile f;
    ARC_RETURN_IF_ERROR(CopyHour(view, slice, &f));
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace arc
