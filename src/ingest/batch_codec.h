// The batch codec: one request's BatchSet as the payload of a WAL records entry (and of a
// quarantine file). It writes the columnar binary encoding (columnar_codec.h) and reads both
// that and the MessagePack document older builds wrote,
//   {"db": <database>, "batch": [{"m", "time_unit": "us", "tags": [...], "columns": {...}}, ...]}
// decoded by DecodeMsgpack (the live ingest path); the first byte tells them apart
// (docs/wal-format.md). The WAL stores payloads without looking inside.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/batch_set.h"
#include "ingest/columnar_codec.h"

namespace arc {

// Encodes every batch of `set` (columnar binary). Thread-compatible.
std::string EncodeBatchSet(const BatchSet& set);
// Writes the bytes EncodeBatchSet returns into memory the caller provides (size(), then
// EncodeTo): the WAL encodes a request straight into its staging buffer.
using BatchSetEncoder = ColumnarEncoder;
// The MessagePack document of builds before the columnar encoding; what they left in a WAL or
// a quarantine must still replay, and tests write it to prove that. Thread-compatible.
std::string EncodeBatchSetAsMessagePack(const BatchSet& set);

// Decodes a payload of either encoding into `out` (a new BatchSet of the encoded database).
// Corruption naming the problem when it does not decode.
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
