// The batch codec: one request's BatchSet as a MessagePack document
//   {"db": <database>, "batch": [{"m", "time_unit": "us", "tags": [...], "columns": {...}}, ...]}
// decodable by DecodeMsgpack (the same path as live ingest). The WAL stores it as the payload
// of a records entry without looking inside (docs/wal-format.md).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/batch_set.h"

namespace arc {

// Encodes every batch of `set`. Thread-compatible.
std::string EncodeBatchSet(const BatchSet& set);

// Decodes an encoded set back into `out` (a new BatchSet of the encoded database).
// Corruption naming the problem when the document does not decode.
Status DecodeBatchSet(std::string_view payload, std::unique_ptr<BatchSet>* out);

// Calls `fn(database, measurement, hour, rows)` for each run of the payload's rows in one UTC
// hour, without decoding the other columns (cheap first pass of recovery).
using PayloadHourFn = std::function<void(std::string_view, std::string_view, int64_t, size_t)>;
Status ScanPayloadHours(std::string_view payload, const PayloadHourFn& fn);

// What can be told of a payload without decoding it (for describing one that no longer
// decodes): its database, measurements and row count, as far as they are readable.
struct PayloadSummary {
  std::string database;
  std::vector<std::string> measurements;
  size_t rows = 0;
  bool readable = false;   // the names and time columns could be walked
};
PayloadSummary DescribePayload(std::string_view payload);

}  // namespace arc
