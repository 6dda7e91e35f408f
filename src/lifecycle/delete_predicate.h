// DeletePredicate: the `where` of a delete request, parsed by DuckDB's own parser and checked
// node by node against an allow list, so that it is one boolean expression over a
// measurement's columns and nothing else: no statement, subquery, table function, file or
// setting access can be smuggled in. What runs is DuckDB's rendering of the checked tree,
// never the client's text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/duckdb_util.h"

namespace arc {

struct DeletePredicate {
  std::string sql;                   // the expression as DuckDB renders the checked tree
  bool has_time_bound = false;       // a top-level AND term compares `time` with a constant
  std::vector<std::string> columns;  // the columns it names, in order of first use
};

// Longest `where` accepted, in bytes.
inline constexpr size_t kMaxDeletePredicateBytes = 8192;

// Parses `where` with `conn` (any connection: only the parser runs). InvalidArgument naming
// the problem: empty, too long, not one expression, or a node outside the allow list
// (subqueries, window functions, aggregates, functions that read files or settings, ...).
Result<DeletePredicate> ParseDeletePredicate(DuckConnection* conn, std::string_view where);

}  // namespace arc
