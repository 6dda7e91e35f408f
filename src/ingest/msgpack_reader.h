// MsgpackReader: a zero-copy cursor over MessagePack bytes. Strings are views into the input.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace arc {

enum class MsgType { kNil, kBool, kInt, kUint, kFloat, kString, kBinary, kArray, kMap, kExt };

const char* MsgTypeName(MsgType t);

// One decoded value header. For arrays and maps `length` is the element count and the
// elements follow; for strings `str` views the bytes.
struct MsgValue {
  MsgType type = MsgType::kNil;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string_view str;
  uint32_t length = 0;
};

// Not thread-safe. Every read checks bounds; truncated input is an InvalidArgument.
class MsgpackReader {
 public:
  explicit MsgpackReader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), end_(p_ + data.size()) {}

  bool AtEnd() const { return p_ >= end_; }
  size_t Remaining() const { return static_cast<size_t>(end_ - p_); }
  // Reads the next value header (a whole scalar, or the head of an array/map/bin/ext).
  Status Next(MsgValue* v);
  // Skips one complete value, including nested containers.
  Status Skip();
  // Current position, for re-reading a value later.
  const uint8_t* position() const { return p_; }
  void Seek(const uint8_t* pos) { p_ = pos; }

  // Bulk reads for dense columns: each reads up to `max` consecutive values of one kind into
  // `out` and returns how many it read, stopping (without consuming) at the first value of
  // another kind or at a truncated one, which the caller then reads with Next().
  // Float64 values (0xcb), as every common client writes a double.
  size_t ReadFloat64Run(double* out, size_t max);
  // Integers that fit in int64 (fixint, int8…64, uint8…64 up to INT64_MAX).
  size_t ReadIntRun(int64_t* out, size_t max);
  // One string of up to 255 bytes (fixstr, str8) as a view into the input; false (nothing
  // consumed) for any other value.
  bool TryReadShortString(std::string_view* out) {
    if (p_ >= end_) return false;
    const uint8_t tag = *p_;
    size_t header = 1, len = 0;
    if ((tag & 0xe0) == 0xa0) {
      len = tag & 0x1f;
    } else if (tag == 0xd9 && Remaining() >= 2) {
      header = 2;
      len = p_[1];
    } else {
      return false;
    }
    if (Remaining() < header + len) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_ + header), len);
    p_ += header + len;
    return true;
  }

 private:
  Status Need(size_t n) const;
  template <typename T>
  T ReadBE();
  Status ReadStr(size_t len, MsgValue* v, MsgType type);
  uint64_t SkipFixed9(uint64_t count);

  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace arc
