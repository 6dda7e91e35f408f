// Runs one read-only statement so that its rows are produced as they are fetched (DuckDB's
// streaming result), never materialised whole: a reader that stops at a byte cap stops the
// engine there too.
#pragma once

#include <duckdb.h>

#include <string>
#include <variant>
#include <vector>

#include "common/status.h"

namespace arc {

// A named parameter `$name` the engine binds: a LIST of VARCHAR (the files one read_parquet
// source reads) or a BOOLEAN (whether that source unions its files' schemas by name). A file
// list as a parameter, not a literal, is bound once: the prepare cannot bind read_parquet
// without its value and defers, and DuckDB rebinds a multi-file scan at every execution anyway
// (MultiFileBindData does not support the statement cache), so a literal list cost two binds,
// each opening every file's footer.
struct SqlParameter {
  std::string name;
  std::variant<std::vector<std::string>, bool> value;
};

// Prepares `sql` and binds `params`; InvalidArgument when the statement has a parameter that
// `params` does not name (user SQL has none: the rewrite refuses them). The caller destroys
// *stmt (duckdb_destroy_prepare) on success.
Status PrepareWithParameters(duckdb_connection conn, const std::string& sql,
                             const std::vector<SqlParameter>& params, duckdb_prepared_statement* stmt);

// Prepares and starts `sql` on `conn`. Only a SELECT or an EXPLAIN runs; anything else is
// InvalidArgument before it executes. On success the caller owns *result (duckdb_destroy_result)
// and fetches it with duckdb_fetch_chunk, then checks duckdb_result_error for an error part way.
// On failure InvalidArgument("SQL error: ...") and *invalidates says whether DuckDB has
// invalidated the database (internal or fatal error). Not thread-safe per connection.
// `params` are bound as PrepareWithParameters binds them.
Status RunStreamingSelect(duckdb_connection conn, const std::string& sql, duckdb_result* result,
                          bool* invalidates, const std::vector<SqlParameter>& params = {});

}  // namespace arc
