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

#include "common/status.h"
#include "ingest/batch_set.h"

namespace arc {

// Encodes every batch of `set`. Thread-compatible.
std::string EncodeBatchSet(const BatchSet& set);

// Decodes an encoded set back into `out` (a new BatchSet of the encoded database).
// Corruption naming the problem when the document does not decode.
Status DecodeBatchSet(std::string_view payload, std::unique_ptr<BatchSet>* out);

// Calls `fn(database, measurement, hour)` for each distinct (measurement, UTC hour) run of the
// payload's times without decoding the other columns (cheap first pass of recovery).
Status ScanPayloadHours(std::string_view payload,
                        const std::function<void(std::string_view, std::string_view, int64_t)>& fn);

}  // namespace arc
