// The columnar binary encoding of a BatchSet (docs/wal-format.md, "Columnar binary payload"):
// the in-memory Column layout behind a 0xC1 byte, so that logging a request copies its columns
// instead of re-encoding every value. batch_codec.h chooses between it and the older
// MessagePack encoding; use that unless the encoding itself is the subject.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "ingest/batch_set.h"

namespace arc {

// First byte of every columnar payload: the one byte MessagePack never uses.
inline constexpr uint8_t kColumnarMagic = 0xC1;
inline constexpr uint8_t kColumnarVersion = 1;

// True when `payload` starts with kColumnarMagic (whatever follows).
bool IsColumnarPayload(std::string_view payload);

// Encodes every batch of `set`; one allocation of the exact size. A column longer or shorter
// than its batch's rows (decoders never make one) is encoded cut or padded with nulls.
// Thread-compatible.
std::string EncodeColumnar(const BatchSet& set);

// The same encoding written into memory the caller provides (the WAL's staging buffer), so
// logging a request copies its columns once. `set` must outlive the encoder and not change
// meanwhile. Thread-compatible.
class ColumnarEncoder {
 public:
  explicit ColumnarEncoder(const BatchSet& set);
  ColumnarEncoder(const ColumnarEncoder&) = delete;
  ColumnarEncoder& operator=(const ColumnarEncoder&) = delete;
  // Bytes EncodeTo writes.
  size_t size() const { return size_; }
  // Writes exactly size() bytes at `out`; allocates nothing.
  void EncodeTo(char* out) const;

 private:
  std::unique_ptr<BatchSet> aligned_;  // set when `set` had a column of another length
  const BatchSet* set_;
  size_t size_ = 0;
};

// Decodes a columnar payload into `out` (a new BatchSet). Corruption naming the field when the
// bytes do not follow the layout or hold what the write path refuses (names, times, UTF-8).
Status DecodeColumnar(std::string_view payload, std::unique_ptr<BatchSet>* out);

// Calls `fn(database, measurement, hour, rows)` for each run of rows in one UTC hour, reading
// only names and times. Corruption as DecodeColumnar, also for a time out of range.
using ColumnarHourFn = std::function<void(std::string_view, std::string_view, int64_t, size_t)>;
Status ScanColumnarHours(std::string_view payload, const ColumnarHourFn& fn);

}  // namespace arc
