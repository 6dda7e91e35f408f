// ThriftWriter: the Thrift compact protocol, write side only, as Parquet's metadata
// (FileMetaData, PageHeader) needs it: structs, i16/i32/i64, bool, binary and lists.
// Field ids must rise within a struct (Parquet's writers and readers expect that order).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace arc {

// Compact protocol element types.
enum class ThriftType : uint8_t {
  kBoolTrue = 1,
  kBoolFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

// Appends to a caller-owned string. Not thread-safe. Every BeginStruct/StructField needs its
// EndStruct; a struct inside a list is started with BeginStruct.
class ThriftWriter {
 public:
  explicit ThriftWriter(std::string* out) : out_(out) {}

  void BeginStruct() { last_id_.push_back(0); }
  void EndStruct();  // the stop byte

  void I32Field(int16_t id, int32_t v);
  void I64Field(int16_t id, int64_t v);
  void BoolField(int16_t id, bool v);
  void BinaryField(int16_t id, std::string_view v);
  // A struct-valued field: its header, then BeginStruct.
  void StructField(int16_t id);
  // A list-valued field: its header and the list header; then `size` elements follow.
  void ListField(int16_t id, ThriftType element, uint32_t size);

  // List elements.
  void I32(int32_t v) { Varint(ZigZag(v)); }
  void Binary(std::string_view v);

 private:
  void FieldHeader(int16_t id, ThriftType type);
  void Varint(uint64_t v);
  static uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }

  std::string* out_;
  std::vector<int16_t> last_id_;
};

}  // namespace arc
