// Encodes a DuckDB result as the query endpoint's "columns" and "data" (array of row arrays).
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace arc {

struct EncodedResult {
  std::vector<std::string> columns;
  std::string data_json;   // "[[...],[...]]"
  int64_t rows = 0;
};

// Reads every chunk of `result`. Timestamps become RFC 3339 strings in UTC with
// microseconds; NaN and infinities become null. InvalidArgument for a column type it cannot
// encode (naming the column, suggesting a CAST), for more than `max_rows` rows or for more
// than `max_bytes` bytes of JSON.
Result<EncodedResult> EncodeResult(duckdb_result* result, int64_t max_rows,
                                   uint64_t max_bytes = UINT64_MAX);

}  // namespace arc
