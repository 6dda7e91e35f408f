// Streaming a FlushView's rows into DuckDB data chunks, for table functions: the Parquet
// writer's COPY source and the query side's view of buffered rows.
#pragma once

#include <duckdb.h>

#include <cstddef>
#include <cstdint>

#include "storage/flush_view.h"

namespace arc {

// Declares "time" (TIMESTAMPTZ) and the view's schema as the table function's result columns.
void AddScanColumns(duckdb_bind_info info, const FlushView& view);

struct ScanCursor {
  size_t run = 0;       // index into the slice's runs
  uint32_t offset = 0;  // rows of that run already emitted
};

// Fills `output` with up to one vector of the next rows of `slice` and sets its size
// (0 once the slice is exhausted).
void FillScanChunk(const FlushView& view, const HourSlice& slice, ScanCursor* cursor,
                   duckdb_data_chunk output);

// A slice over every run of the view (all hours), for scans that ignore hours.
HourSlice WholeView(const FlushView& view);

}  // namespace arc
