// InfluxDB line protocol → Batches.
//   measurement[,tag=v...] field=v[,field=v...] [timestamp]
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "ingest/batch_set.h"
#include "ingest/time_units.h"

namespace arc {

// Parses every line of `body` into `out` (one Batch per measurement). Lines without a
// timestamp get `now_us`. All or nothing: the first bad line makes the whole request an
// InvalidArgument naming its line number, the reason and the line's text; `out` is then
// unspecified. Thread-compatible (no shared state).
Status ParseLineProtocol(std::string_view body, Precision precision, int64_t now_us,
                         BatchSet* out);

}  // namespace arc
