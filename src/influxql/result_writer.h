// ResultWriter: InfluxDB 1.x's answer formats for /query — JSON ({"results": [...]}, floats
// in Go's shortest form, times as RFC 3339 or epoch integers) and CSV (Accept:
// application/csv).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "influxql/result.h"

namespace arc::influxql {

// The divisor of ?epoch= (ns 1, u/µ 1e3, ms 1e6, s 1e9, m 60e9, h 3600e9); nullopt when the
// parameter is absent or empty (RFC 3339 strings). An unknown unit means nanoseconds, as in
// InfluxDB.
std::optional<int64_t> EpochDivisor(const std::optional<std::string>& epoch);

// {"results":[...]} with 4-space indentation when `pretty`. Pure.
std::string WriteJson(const std::vector<StatementResult>& results, std::optional<int64_t> epoch,
                      bool pretty);

// chunked=true: one JSON document per line, each series its own document (a series longer
// than `chunk_size` rows split over several, marked "partial"), every document of a
// statement but its last marked "partial" on the result, as InfluxDB streams them. Pure.
std::string WriteChunkedJson(const std::vector<StatementResult>& results,
                             std::optional<int64_t> epoch, size_t chunk_size);

// name,tags,time,<columns> lines (a new header when the columns change); times are epoch
// integers (nanoseconds unless `epoch`). Pure.
std::string WriteCsv(const std::vector<StatementResult>& results, std::optional<int64_t> epoch);

// A float as Go's encoding/json writes it: shortest round-trip text, "2" for 2.0, exponent
// form below 1e-6 and from 1e21.
std::string GoFloat(double v);

}  // namespace arc::influxql
