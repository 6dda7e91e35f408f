// Parquet's low-level encodings for the flush writer (docs/parquet-flush.md): the
// RLE/bit-packed hybrid, and page compression.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/enums.h"
#include "common/status.h"

namespace arc {

// Bits needed for values up to `max_value`, at least 1.
int BitWidthFor(uint32_t max_value);

// Appends the RLE/bit-packed hybrid encoding of `values[0, n)` at `bit_width` (1–32; every
// value must fit). Runs of ≥ 8 equal values on a group boundary become RLE runs.
void AppendRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out);

// Appends Parquet's unsigned LEB128 varint.
void AppendVarint(uint64_t v, std::string* out);

// Appends the DELTA_BINARY_PACKED encoding of `values[0, n)` (docs/parquet-flush.md): blocks
// of 128 deltas in 4 miniblocks of 32, each bit-packed at its own width. Any int64 values,
// wrapping deltas included.
void AppendDeltaBinaryPacked(const int64_t* values, size_t n, std::string* out);

// Compresses page bodies with one codec, reusing its state between pages. Not thread-safe:
// one per writer.
class PageCompressor {
 public:
  explicit PageCompressor(ParquetCompression codec);
  ~PageCompressor();
  PageCompressor(const PageCompressor&) = delete;
  PageCompressor& operator=(const PageCompressor&) = delete;

  // Parquet's CompressionCodec number for the codec.
  int parquet_codec() const;
  // Replaces `*out` with `in` compressed (or copied, for none). Unavailable when a library
  // fails (out of memory): the machine's trouble, retried, never blamed on the rows.
  Status Compress(std::string_view in, std::string* out);

 private:
  struct State;
  const ParquetCompression codec_;
  std::unique_ptr<State> state_;
};

}  // namespace arc
