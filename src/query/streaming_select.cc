#include "query/streaming_select.h"

#include "storage/duckdb_util.h"

namespace arc {
namespace {

Status SqlError(const char* err) {
  return Status::InvalidArgument(std::string("SQL error: ") +
                                 (err != nullptr ? err : "query failed"));
}

Status BindParameter(duckdb_prepared_statement stmt, const SqlParameter& p) {
  idx_t index = 0;
  if (duckdb_bind_parameter_index(stmt, &index, p.name.c_str()) != DuckDBSuccess) {
    return Status::InvalidArgument("SQL error: no parameter $" + p.name);
  }
  if (const bool* flag = std::get_if<bool>(&p.value)) {
    if (duckdb_bind_boolean(stmt, index, *flag) != DuckDBSuccess) return Status::Internal("cannot bind $" + p.name);
    return Status::OK();
  }
  const auto& values = std::get<std::vector<std::string>>(p.value);
  std::vector<duckdb_value> items;
  items.reserve(values.size());
  for (const std::string& v : values) items.push_back(duckdb_create_varchar_length(v.data(), v.size()));
  duckdb_logical_type varchar = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
  duckdb_value list = duckdb_create_list_value(varchar, items.data(), items.size());
  duckdb_destroy_logical_type(&varchar);
  for (duckdb_value& v : items) duckdb_destroy_value(&v);
  const bool ok = list != nullptr && duckdb_bind_value(stmt, index, list) == DuckDBSuccess;
  duckdb_destroy_value(&list);
  if (!ok) return Status::Internal("cannot bind $" + p.name);
  return Status::OK();
}

}  // namespace

Status PrepareWithParameters(duckdb_connection conn, const std::string& sql,
                             const std::vector<SqlParameter>& params, duckdb_prepared_statement* stmt) {
  *stmt = nullptr;
  if (duckdb_prepare(conn, sql.c_str(), stmt) != DuckDBSuccess) {
    Status st = SqlError(duckdb_prepare_error(*stmt));
    duckdb_destroy_prepare(stmt);
    return st;
  }
  Status st = duckdb_nparams(*stmt) == params.size()
                  ? Status::OK()
                  : Status::InvalidArgument("query parameters ($1, ?) are not supported");
  for (size_t i = 0; i < params.size() && st.ok(); ++i) st = BindParameter(*stmt, params[i]);
  if (!st.ok()) duckdb_destroy_prepare(stmt);
  return st;
}

Status RunStreamingSelect(duckdb_connection conn, const std::string& sql, duckdb_result* result,
                          bool* invalidates, const std::vector<SqlParameter>& params) {
  *invalidates = false;
  duckdb_prepared_statement stmt = nullptr;
  ARC_RETURN_IF_ERROR(PrepareWithParameters(conn, sql, params, &stmt));
  // Refused before anything runs, whatever the caller checked before.
  const duckdb_statement_type type = duckdb_prepared_statement_type(stmt);
  if (type != DUCKDB_STATEMENT_TYPE_SELECT && type != DUCKDB_STATEMENT_TYPE_EXPLAIN) {
    duckdb_destroy_prepare(&stmt);
    return Status::InvalidArgument("only read-only SELECT queries are allowed");
  }
  duckdb_pending_result pending = nullptr;
  if (duckdb_pending_prepared_streaming(stmt, &pending) != DuckDBSuccess) {
    Status st = SqlError(duckdb_pending_error(pending));
    duckdb_destroy_pending(&pending);
    duckdb_destroy_prepare(&stmt);
    return st;
  }
  const bool ok = duckdb_execute_pending(pending, result) == DuckDBSuccess;
  duckdb_destroy_pending(&pending);
  duckdb_destroy_prepare(&stmt);
  if (ok) return Status::OK();
  Status st = SqlError(duckdb_result_error(result));
  *invalidates = DuckErrorInvalidates(duckdb_result_error_type(result));
  duckdb_destroy_result(result);
  return st;
}

}  // namespace arc
