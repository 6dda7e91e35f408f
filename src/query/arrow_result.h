// A DuckDB result as an Arrow IPC stream (docs/arrow-ipc.md), produced chunk by chunk in the
// query worker: DuckDB's Arrow export of each chunk, encoded by ArrowIpcEncoder.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "query/streaming_select.h"

namespace arc {

// `sql` made to produce only the types the Arrow answer encodes: when a column of its result
// has another type, `SELECT CAST(#i AS DOUBLE|VARCHAR) AS "name", ... FROM (sql)`; otherwise
// `sql` itself (also when it does not prepare: running it reports the error). `params` as
// RunStreamingSelect binds them. Not thread-safe per connection.
std::string ArrowCompatibleSql(duckdb_connection conn, const std::string& sql,
                               const std::vector<SqlParameter>& params = {});

struct ArrowStreamLimits {
  int64_t max_rows = 0;              // 0: no limit
  uint64_t max_batch_bytes = 256ull << 20;
  size_t piece_bytes = 1 << 20;      // bytes handed to `send` at a time (whole messages)
};

// Streams `result` (a streaming result: rows are fetched as the stream goes): `ready` once the
// first chunk is fetched (or the result is known empty), then `send` with pieces of the IPC
// stream in order: the schema, record batches, the end-of-stream marker last. An error before
// `ready` has sent nothing; after it, the stream is incomplete and the caller must say so.
// InvalidArgument for a query error, more than max_rows rows or a batch above max_batch_bytes;
// the error `send` or `ready` returned otherwise.
Status StreamArrowResult(duckdb_result* result, const ArrowStreamLimits& limits,
                         const std::function<Status()>& ready,
                         const std::function<Status(std::string_view piece)>& send);

}  // namespace arc
