// The payload of a WAL records entry: one request's records as MessagePack
//   {"db": <database>, "batch": [{"m", "time_unit": "us", "tags": [...], "columns": {...}}, ...]}
// decodable by DecodeMsgpack (the same path as live ingest).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "ingest/batch_set.h"

namespace arc::wal {

// Encodes every batch of `set`. Thread-compatible.
std::string EncodePayload(const BatchSet& set);

// Decodes a payload back into `out` (whose database is replaced by the payload's).
Status DecodePayload(std::string_view payload, std::unique_ptr<BatchSet>* out);

// Calls `fn(database, measurement, hour)` for each distinct (measurement, UTC hour) run of the
// payload's times without decoding the other columns (cheap first pass of recovery).
Status ScanPayloadHours(std::string_view payload,
                        const std::function<void(std::string_view, std::string_view, int64_t)>& fn);

}  // namespace arc::wal
