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
