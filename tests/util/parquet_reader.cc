#include "util/parquet_reader.h"

#include <duckdb.h>

#include <stdexcept>

namespace arc::test {

Rows Query(const std::string& sql) {
  duckdb_database db;
  duckdb_connection conn;
  if (duckdb_open(nullptr, &db) != DuckDBSuccess) throw std::runtime_error("duckdb_open");
  duckdb_connect(db, &conn);
  duckdb_result tz;
  duckdb_query(conn, "SET TimeZone = 'UTC'", &tz);
  duckdb_destroy_result(&tz);
  duckdb_result result;
  Rows rows;
  std::string error;
  if (duckdb_query(conn, sql.c_str(), &result) != DuckDBSuccess) {
    error = duckdb_result_error(&result);
  } else {
    const idx_t ncols = duckdb_column_count(&result);
    for (idx_t r = 0; r < duckdb_row_count(&result); ++r) {
      std::vector<std::string> row;
      for (idx_t c = 0; c < ncols; ++c) {
        char* v = duckdb_value_varchar(&result, c, r);
        row.push_back(v ? v : "NULL");
        duckdb_free(v);
      }
      rows.push_back(std::move(row));
    }
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&conn);
  duckdb_close(&db);
  if (!error.empty()) throw std::runtime_error(error + " (sql: " + sql + ")");
  return rows;
}

std::string QueryValue(const std::string& sql) {
  Rows rows = Query(sql);
  if (rows.size() != 1 || rows[0].size() != 1) {
    throw std::runtime_error("expected one value from: " + sql);
  }
  return rows[0][0];
}

}  // namespace arc::test
