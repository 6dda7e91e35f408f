#include "storage/thrift_compact.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

std::string Hex(const std::string& s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

// Bytes worked out by hand from the compact protocol's specification.
TEST(ThriftCompactTest, FieldsListsAndNestedStructs) {
  std::string out;
  ThriftWriter w(&out);
  w.BeginStruct();
  w.I32Field(1, 2);        // 0x15 (delta 1, i32), zigzag(2) = 4
  w.I64Field(3, -1);       // 0x26 (delta 2, i64), zigzag(-1) = 1
  w.BoolField(4, true);    // 0x11
  w.BoolField(5, false);   // 0x12
  w.BinaryField(6, "ab");  // 0x18 02 'a' 'b'
  w.StructField(7);        // 0x1c
  w.I32Field(1, 300);      // 0x15, zigzag(300) = 600 = 0xd8 0x04
  w.EndStruct();           // 00
  w.ListField(30, ThriftType::kI32, 2);  // delta 23: 0x09 then zigzag(30) = 60 = 0x3c; 0x25
  w.I32(0);
  w.I32(-2);               // zigzag(-2) = 3
  w.ListField(31, ThriftType::kBinary, 16);  // 0x19; long form 0xf8 then 16
  for (int i = 0; i < 16; ++i) w.Binary("");
  w.EndStruct();
  EXPECT_EQ(Hex(out), "1504" "2601" "11" "12" "18026162" "1c" "15d804" "00" "093c" "25" "00" "03"
                      "19" "f810" "00000000000000000000000000000000" "00");
}

}  // namespace
}  // namespace arc
