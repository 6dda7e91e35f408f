#include "query/parquet_signatures.h"

#include "query/streaming_select.h"

namespace arc {

Status ParquetSignatures::Learn(duckdb_connection conn, const std::vector<std::string>& files,
                               const std::vector<uint64_t>& sizes) {
  std::vector<std::string> unknown;
  std::unordered_map<std::string, uint64_t> size_of;
  for (size_t i = 0; i < files.size(); ++i) {
    const uint64_t size = i < sizes.size() ? sizes[i] : 0;
    if (signatures_.count(Key(files[i], size)) == 0) {
      unknown.push_back(files[i]);
      size_of[files[i]] = size;
    }
  }
  if (unknown.empty()) return Status::OK();
  // The signature is the whole Parquet schema, in file order: files that share it read as the
  // same columns in the same order.
  const std::string sql =
      "SELECT file_name, string_agg(concat_ws(' ', name, type, type_length, repetition_type, "
      "num_children, converted_type, scale, precision, field_id, logical_type, duckdb_type), '|') "
      "FROM parquet_schema($files) GROUP BY file_name";
  duckdb_prepared_statement stmt = nullptr;
  ARC_RETURN_IF_ERROR(PrepareWithParameters(conn, sql, {{"files", unknown}}, &stmt));
  duckdb_result result;
  const bool ok = duckdb_execute_prepared(stmt, &result) == DuckDBSuccess;
  duckdb_destroy_prepare(&stmt);
  if (ok) {
    for (idx_t row = 0; row < duckdb_row_count(&result); ++row) {
      char* file = duckdb_value_varchar(&result, 0, row);
      char* signature = duckdb_value_varchar(&result, 1, row);
      if (file != nullptr && signature != nullptr && size_of.count(file)) {
        signatures_[Key(file, size_of[file])] = signature;
      }
      duckdb_free(file);
      duckdb_free(signature);
    }
  }
  Status st = ok ? Status::OK() : Status::InvalidArgument(duckdb_result_error(&result));
  duckdb_destroy_result(&result);
  return st;
}

bool ParquetSignatures::OneSchema(const std::vector<std::string>& files,
                                  const std::vector<uint64_t>& sizes) const {
  const std::string* first = nullptr;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto it = signatures_.find(Key(files[i], i < sizes.size() ? sizes[i] : 0));
    if (it == signatures_.end()) return false;
    if (first == nullptr) first = &it->second;
    else if (*first != it->second) return false;
  }
  return true;
}

}  // namespace arc
