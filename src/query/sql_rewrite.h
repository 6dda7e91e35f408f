// SqlRewrite: finds the measurements a query reads and points them at per-query views.
// The SQL is parsed by DuckDB itself (json_serialize_sql), the tree is edited and turned back
// into SQL (json_deserialize_sql), so joins, subqueries and CTEs resolve as DuckDB would.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "storage/duckdb_util.h"

namespace arc {

struct TableRef {
  std::string database;
  std::string measurement;
  std::string view;                    // the per-query table macro the query now calls
  std::optional<int64_t> min_hour;     // hours since the epoch the query can touch
  std::optional<int64_t> max_hour;     // (both empty: no bound found, read every hour)
};

struct RewrittenQuery {
  std::string sql;               // the original SQL when no measurement is named
  std::string ast;               // else the edited tree: measurement i is __arc_view_i()
  std::vector<TableRef> tables;
};

// Replaces each __arc_view_i() of `query` by the subquery `sources[i]` (aliased as the
// measurement was) and returns the final SQL, so the whole query is bound exactly once.
Result<std::string> SpliceSources(DuckConnection* conn, const RewrittenQuery& query,
                                  const std::vector<std::string>& sources);

// Rewrites `sql`. `FROM db.m` and bare `FROM m` (database `default_db`) are replaced when
// `is_measurement(db, m)` says the measurement exists; other names are left for DuckDB to
// resolve (or reject). InvalidArgument with DuckDB's parser message for bad SQL, and for more
// than one statement. `conn` is any connection (used only to parse). Not thread-safe per conn.
Result<RewrittenQuery> RewriteQuery(DuckConnection* conn, const std::string& sql,
                                    const std::string& default_db,
                                    const std::function<bool(const std::string&, const std::string&)>& is_measurement);

// Parses a timestamp literal the way DuckDB reads it with TimeZone UTC:
// "YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|+HH[:MM]]" → microseconds since the epoch.
std::optional<int64_t> ParseTimestampLiteral(const std::string& text);

}  // namespace arc
