// ArrowIpcEncoder: the messages of an Arrow IPC stream (docs/arrow-ipc.md) from arrays in the
// Arrow C data interface, as DuckDB exports them. Flat columns only: null, bool, integers,
// floats, 128-bit decimals, UTF-8, binary, date32 and timestamps (always with the time zone
// "UTC").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "query/arrow_c_data.h"

namespace arc {

enum class ArrowKind { kNull, kBool, kInt, kFloat, kDecimal128, kUtf8, kBinary, kDate32, kTimestamp };
enum class ArrowTimeUnit { kSecond = 0, kMilli = 1, kMicro = 2, kNano = 3 };

// One column, parsed once from its C data interface format string ("l", "u", "tsu:", ...).
struct ArrowColumn {
  std::string name;
  ArrowKind kind = ArrowKind::kNull;
  int bit_width = 0;       // kInt: 8..64; kFloat: 32 or 64
  bool is_signed = true;   // kInt
  ArrowTimeUnit unit = ArrowTimeUnit::kMicro;  // kTimestamp
  int precision = 0, scale = 0;                 // kDecimal128
};

// Parses `format` (the C data interface's type string) for a column named `name`.
// InvalidArgument naming the column for a type this encoder does not write.
Result<ArrowColumn> ParseArrowColumn(const std::string& name, std::string_view format);

class ArrowIpcEncoder {
 public:
  // Reads the columns of `schema`: a struct ("+s") with one child per column.
  // InvalidArgument naming the column for a type it cannot encode.
  static Result<ArrowIpcEncoder> Create(const ArrowSchema& schema);
  explicit ArrowIpcEncoder(std::vector<ArrowColumn> columns) : columns_(std::move(columns)) {}

  const std::vector<ArrowColumn>& columns() const { return columns_; }
  // Appends the Schema message to *out.
  void AppendSchema(std::string* out) const;
  // Appends one RecordBatch message holding `batch` (a struct array with one child per column,
  // as the schema says) to *out. InvalidArgument when the array does not match the schema.
  // Reads the arrays only; the caller still owns and releases `batch`.
  Status AppendBatch(const ArrowArray& batch, std::string* out) const;
  // The stream's end-of-stream marker.
  static std::string_view EndOfStream();

 private:
  std::vector<ArrowColumn> columns_;
};

}  // namespace arc
