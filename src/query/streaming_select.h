// Runs one read-only statement so that its rows are produced as they are fetched (DuckDB's
// streaming result), never materialised whole: a reader that stops at a byte cap stops the
// engine there too.
#pragma once

#include <duckdb.h>

#include <string>

#include "common/status.h"

namespace arc {

// Prepares and starts `sql` on `conn`. Only a SELECT or an EXPLAIN runs; anything else is
// InvalidArgument before it executes. On success the caller owns *result (duckdb_destroy_result)
// and fetches it with duckdb_fetch_chunk, then checks duckdb_result_error for an error part way.
// On failure InvalidArgument("SQL error: ...") and *invalidates says whether DuckDB has
// invalidated the database (internal or fatal error). Not thread-safe per connection.
Status RunStreamingSelect(duckdb_connection conn, const std::string& sql, duckdb_result* result,
                          bool* invalidates);

}  // namespace arc
