// Arc's MessagePack write format → Batches. Accepted top-level shapes:
//   columnar {"m", "columns": {"time": [...], col: [...]}, "tags": [names]}
//   row      {"m", "t", "tags": {...}, "fields": {...}}
//   batch    {"batch": [item, ...]}   and   array [item, ...]
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "ingest/batch_set.h"

namespace arc {

// Decodes the whole body into `out`; items without a time get `now_us`. All or nothing: the
// first problem is an InvalidArgument naming the item, column and row. Thread-compatible.
Status DecodeMsgpack(std::string_view body, int64_t now_us, BatchSet* out);

}  // namespace arc
