#include "storage/parquet_writer.h"

#include <memory>
#include <sstream>

#include "common/logging.h"
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
bool IsDataDependent(const Status& write_error) {
  return write_error.code() == StatusCode::kInvalidArgument ||
         write_error.code() == StatusCode::kInternal;
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(Storage* storage,
                                                              ParquetCompression compression) {
  return std::make_unique<ParquetWriter>(storage, compression);
}

ParquetWriter::ParquetWriter(Storage* storage, ParquetCompression compression)
    : storage_(storage), file_writer_(storage->temp_file_system(), compression) {}

Result<std::vector<DataFile>> ParquetWriter::Prepare(const WriteTarget& target,
                                                     const std::vector<Batch>& batches) {
  const FlushView view(batches);
  if (!view.consistent()) {
    // Never written: reported as data-dependent, so the flusher splits the part.
    return Status::Internal("rows of " + target.database + "." + target.measurement +
                            " give one column different types");
  }
  for (const SchemaColumn& c : view.schema()) {
    // Ingest refuses such a column; an older WAL may still hold one. Two columns of one name
    // would make the file unreadable, so the rows go to the quarantine instead.
    if (EqualsIgnoringCase(c.name, "time")) {
      return Status::InvalidArgument("rows of " + target.database + "." + target.measurement +
                                     " have a column named like the time column: \"" + c.name + "\"");
    }
  }
  std::vector<DataFile> out;
  for (const HourSlice& slice : view.hours()) {
    DataFile f;
    f.temp_path = storage_->NewTempPath();
    f.relative_path = DataFilePath(target.database, target.measurement, slice.hour,
                                   NodeStem(storage_->node_id(), target.file_stem));
    f.rows = slice.rows;
    Status st = file_writer_.Write(view, slice, f.temp_path);
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
