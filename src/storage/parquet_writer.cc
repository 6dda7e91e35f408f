#include "storage/parquet_writer.h"

#include <atomic>
#include <memory>
#include <sstream>

#include "common/logging.h"
#include "storage/flush_scan.h"
#include "storage/partition_layout.h"

namespace arc {

Result<std::set<std::string>> ReadTagNames(DuckConnection* conn,
                                           const std::vector<std::string>& files) {
  std::set<std::string> tags;
  if (files.empty()) return tags;
  ARC_ASSIGN_OR_RETURN(const DuckRows lists,
                       QueryRows(conn, "SELECT DISTINCT decode(value) FROM parquet_kv_metadata(" +
                                           QuoteList(files) + ") WHERE decode(key) = 'arc:tags'"));
  for (const auto& row : lists) {
    std::stringstream ss(row[0]);
    for (std::string t; std::getline(ss, t, ',');) {
      if (!t.empty()) tags.insert(t);
    }
  }
  return tags;
}
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

bool IsDataDependent(const Status& write_error) {
  return write_error.code() == StatusCode::kInvalidArgument ||
         write_error.code() == StatusCode::kInternal;
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(Storage* storage,
                                                              ParquetCompression compression) {
  auto writer = std::make_unique<ParquetWriter>(storage, compression);
  ARC_RETURN_IF_ERROR(writer->Open());
  return writer;
}

ParquetWriter::ParquetWriter(Storage* storage, ParquetCompression compression)
    : storage_(storage), compression_(compression) {}

Status ParquetWriter::Open() {
  conn_.reset();
  db_.reset();
  ARC_ASSIGN_OR_RETURN(db_, DuckDatabase::OpenInMemory({{"threads", "1"},
                                                        {"autoinstall_known_extensions", "false"},
                                                        {"autoload_known_extensions", "false"}}));
  ARC_ASSIGN_OR_RETURN(conn_, DuckConnection::Open(*db_));
  ARC_RETURN_IF_ERROR(RegisterScanFunction());
  reopen_ = false;
  return Status::OK();
}

// Registers arc_flush_scan_<n>() reading `source_`.
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
  // An internal or fatal engine error may have invalidated the database: the next flush gets
  // a fresh one instead of failing forever.
  if (!st.ok() && conn_->last_error_invalidates()) reopen_ = true;
  return st;
}

Result<std::vector<DataFile>> ParquetWriter::Prepare(const WriteTarget& target,
                                                     const std::vector<Batch>& batches) {
  if (reopen_) {
    LOG_WARN("Parquet writer: reopening its DuckDB after an engine error");
    Status st = Open();
    // The machine's trouble (memory, threads), not the rows': an I/O-class error, retried
    // with backoff and never counted against the rows (only COPY failures are).
    if (!st.ok()) return Status::IOError("cannot reopen the Parquet writer's DuckDB: " + st.message());
  }
  const FlushView view(batches);
  if (!view.consistent()) {
    // Never handed to the engine: a vector of the wrong type is an internal error that
    // invalidates the database. Reported as data-dependent, so the flusher splits the part.
    return Status::Internal("rows of " + target.database + "." + target.measurement +
                            " give one column different types");
  }
  std::vector<DataFile> out;
  for (const HourSlice& slice : view.hours()) {
    DataFile f;
    f.temp_path = storage_->NewTempPath();
    f.relative_path = DataFilePath(target.database, target.measurement, slice.hour,
                                   NodeStem(storage_->node_id(), target.file_stem));
    f.rows = slice.rows;
    Status st = CopyHour(view, slice, f.temp_path);
    if (!st.ok()) {
      storage_->Discard(f.temp_path);
      for (const DataFile& done : out) storage_->Discard(done.temp_path);
      return st;
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<DataFile>> ParquetWriter::Write(const WriteTarget& target,
                                                   const std::vector<Batch>& batches) {
  ARC_ASSIGN_OR_RETURN(std::vector<DataFile> files, Prepare(target, batches));
  ARC_RETURN_IF_ERROR(storage_->CommitAll(&files));
  return files;
}

}  // namespace arc
