// MsgpackWriter: appends MessagePack values to a string (the subset our formats use).
// Header-only so the load generator can use it without linking arc_core.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace arc {

class MsgpackWriter {
 public:
  void Map(uint32_t n) { Head(0x80, 0xde, n); }
  void Array(uint32_t n) { Head(0x90, 0xdc, n); }
  void Nil() { out_ += '\xc0'; }
  void Bool(bool b) { out_ += b ? '\xc3' : '\xc2'; }
  void Str(std::string_view s) {
    if (s.size() < 32) {
      out_ += static_cast<char>(0xa0 | s.size());
    } else if (s.size() < 256) {
      out_ += '\xd9';
      out_ += static_cast<char>(s.size());
    } else if (s.size() < 65536) {
      out_ += '\xda';
      Be(s.size(), 2);
    } else {
      out_ += '\xdb';
      Be(s.size(), 4);
    }
    out_.append(s.data(), s.size());
  }
  void Int(int64_t v) {
    if (v >= 0 && v < 128) {
      out_ += static_cast<char>(v);
      return;
    }
    out_ += '\xd3';
    Be(static_cast<uint64_t>(v), 8);
  }
  void Double(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    out_ += '\xcb';
    Be(bits, 8);
  }
  std::string& out() { return out_; }
  void Reserve(size_t n) { out_.reserve(n); }

 private:
  void Head(uint8_t fix, uint8_t tag16, uint32_t n) {
    if (n < 16) {
      out_ += static_cast<char>(fix | n);
    } else if (n < 65536) {
      out_ += static_cast<char>(tag16);
      Be(n, 2);
    } else {
      out_ += static_cast<char>(tag16 + 1);
      Be(n, 4);
    }
  }
  void Be(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_ += static_cast<char>((v >> (8 * i)) & 0xff);
  }
  std::string out_;
};

}  // namespace arc
