#include "storage/parquet_writer.h"

#include <atomic>
#include <memory>

#include "common/logging.h"
#include "storage/flush_scan.h"
#include "storage/partition_layout.h"

namespace arc {
namespace {

// DuckDB's COPY option spelling of a compression.
std::string CompressionName(ParquetCompression c) {
  return c == ParquetCompression::kNone ? "uncompressed" : std::string(EnumToString(c));
}

void ScanBind(duckdb_bind_info info) {
  auto* source = static_cast<ParquetWriter::ScanSource*>(duckdb_bind_get_extra_info(info));
  if (source->view == nullptr) return duckdb_bind_set_error(info, "no flush in progress");
  AddScanColumns(info, *source->view);
}

void ScanInit(duckdb_init_info info) {
  // Ownership passes to DuckDB, which calls the deleter when the scan ends.
  duckdb_init_set_init_data(info, std::make_unique<ScanCursor>().release(),
                            [](void* p) { delete static_cast<ScanCursor*>(p); });
  duckdb_init_set_max_threads(info, 1);  // one scanner: output order is time order
}

void ScanFunction(duckdb_function_info info, duckdb_data_chunk output) {
  const auto* source = static_cast<ParquetWriter::ScanSource*>(duckdb_function_get_extra_info(info));
  auto* cursor = static_cast<ScanCursor*>(duckdb_function_get_init_data(info));
  FillScanChunk(*source->view, *source->slice, cursor, output);
}

}  // namespace

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(const DuckDatabase& db,
                                                              Storage* storage,
                                                              ParquetCompression compression) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(db));
  auto writer = std::make_unique<ParquetWriter>(std::move(conn), storage, compression);
  ARC_RETURN_IF_ERROR(writer->RegisterScanFunction());
  return writer;
}

ParquetWriter::ParquetWriter(std::unique_ptr<DuckConnection> conn, Storage* storage,
                             ParquetCompression compression)
    : conn_(std::move(conn)), storage_(storage), compression_(compression) {}

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

Status ParquetWriter::CopyHour(const FlushView& view, const HourSlice& slice, const std::string& temp) {
  source_ = {&view, &slice};
  const std::string sql = "COPY (SELECT * FROM " + scan_name_ + "()) TO " + QuoteLiteral(temp) +
                          " (FORMAT parquet, COMPRESSION " + CompressionName(compression_) +
                          ", KV_METADATA {'arc:tags': " + QuoteLiteral(view.TagList()) + "})";
  Status st = conn_->Execute(sql);
  source_ = {};
  return st;
}

Result<ParquetWriter::Prepared> ParquetWriter::Prepare(const WriteTarget& target,
                                                       const std::vector<Batch>& batches) {
  const FlushView view(batches);
  Prepared out;
  for (const HourSlice& slice : view.hours()) {
    const std::string temp = storage_->NewTempPath();
    Status st = CopyHour(view, slice, temp);
    if (!st.ok()) {
      storage_->Discard(temp);
      for (const std::string& t : out.temp_paths) storage_->Discard(t);
      return st;
    }
    WrittenFile f;
    f.relative_path = DataFilePath(target.database, target.measurement, slice.hour, target.file_stem);
    f.rows = slice.rows;
    out.temp_paths.push_back(temp);
    out.files.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<WrittenFile>> ParquetWriter::Publish(Prepared prepared) {
  for (size_t i = 0; i < prepared.files.size(); ++i) {
    Status st = storage_->Commit(prepared.temp_paths[i], prepared.files[i].relative_path,
                                 &prepared.files[i].bytes);
    if (!st.ok()) {
      for (size_t j = i; j < prepared.temp_paths.size(); ++j) storage_->Discard(prepared.temp_paths[j]);
      for (size_t j = 0; j < i; ++j) {  // roll back: the retry publishes the whole job again
        Status undo = storage_->Delete(prepared.files[j].relative_path);
        if (!undo.ok()) {
          LOG_WARN("could not withdraw " << prepared.files[j].relative_path << " after a failed flush ("
                   << undo.ToString() << "); until the retry succeeds a query may count its rows twice");
        }
      }
      return st;
    }
  }
  return std::move(prepared.files);
}

Result<std::vector<WrittenFile>> ParquetWriter::Write(const WriteTarget& target,
                                                      const std::vector<Batch>& batches) {
  ARC_ASSIGN_OR_RETURN(Prepared prepared, Prepare(target, batches));
  return Publish(std::move(prepared));
}

}  // namespace arc
