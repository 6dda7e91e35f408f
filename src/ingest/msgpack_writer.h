// MsgpackWriter: appends MessagePack values to a string (the subset our formats use).
// Header-only so the load generator can use it without linking the server libraries.
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
    char b[9];
    Put9(b, 0xd3, static_cast<uint64_t>(v));
    out_.append(b, 9);
  }
  void Double(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    char b[9];
    Put9(b, 0xcb, bits);
    out_.append(b, 9);
  }
  // Bulk forms for dense columns: every value as a 9-byte int64 / float64.
  void Ints(const int64_t* v, size_t n) { Bulk(v, n, 0xd3); }
  void Doubles(const double* v, size_t n) { Bulk(v, n, 0xcb); }
  std::string& out() { return out_; }
  void Reserve(size_t n) { out_.reserve(n); }

 private:
  static void Put9(char* b, uint8_t tag, uint64_t bits) {
    b[0] = static_cast<char>(tag);
    bits = __builtin_bswap64(bits);
    std::memcpy(b + 1, &bits, 8);
  }
  template <typename T>
  void Bulk(const T* v, size_t n, uint8_t tag) {
    const size_t pos = out_.size();
    out_.resize(pos + 9 * n);
    char* p = out_.data() + pos;
    for (size_t i = 0; i < n; ++i, p += 9) {
      uint64_t bits;
      std::memcpy(&bits, &v[i], 8);
      Put9(p, tag, bits);
    }
  }
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
