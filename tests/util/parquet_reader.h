// Reads Parquet files back with DuckDB (the way users query our output), for tests.
#pragma once

#include <string>
#include <vector>

namespace arc::test {

using Rows = std::vector<std::vector<std::string>>;

// Runs `sql` on a fresh in-memory DuckDB (TimeZone UTC) and returns every value as text
// ("NULL" for null). Throws std::runtime_error with DuckDB's message on failure.
Rows Query(const std::string& sql);
// The single value of a one-row, one-column query.
std::string QueryValue(const std::string& sql);

}  // namespace arc::test
