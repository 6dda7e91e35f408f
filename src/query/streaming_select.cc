#include "query/streaming_select.h"

#include "storage/duckdb_util.h"

namespace arc {
namespace {

Status SqlError(const char* err) {
  return Status::InvalidArgument(std::string("SQL error: ") +
                                 (err != nullptr ? err : "query failed"));
}

}  // namespace

Status RunStreamingSelect(duckdb_connection conn, const std::string& sql, duckdb_result* result,
                          bool* invalidates) {
  *invalidates = false;
  duckdb_prepared_statement stmt = nullptr;
  if (duckdb_prepare(conn, sql.c_str(), &stmt) != DuckDBSuccess) {
    Status st = SqlError(duckdb_prepare_error(stmt));
    duckdb_destroy_prepare(&stmt);
    return st;
  }
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
