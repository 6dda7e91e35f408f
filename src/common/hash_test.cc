#include "common/hash.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace arc {
namespace {

TEST(HashTest, SameBytesSameHashWhateverTheirAddress) {
  const std::string a = "host-123", b = std::string("xhost-123").substr(1);
  EXPECT_EQ(HashBytes(a), HashBytes(b));
  EXPECT_NE(HashBytes(a), HashBytes(a, 1)) << "the seed selects another hash";
  EXPECT_NE(HashBytes(""), HashBytes(std::string(1, '\0'))) << "the length counts";
}

// Every length from 0 to 40 (each branch and every overlap of the last word), strings that
// differ in one byte at any position: no two collide.
TEST(HashTest, OneByteApartNeverCollidesAtAnyLength) {
  std::set<uint64_t> seen;
  size_t count = 0;
  for (size_t n = 0; n <= 40; ++n) {
    const std::string base(n, 'a');
    seen.insert(HashBytes(base));
    ++count;
    for (size_t at = 0; at < n; ++at) {
      for (const char c : {'b', '\0', '\xff'}) {
        std::string s = base;
        s[at] = c;
        seen.insert(HashBytes(s));
        ++count;
      }
    }
  }
  EXPECT_EQ(seen.size(), count);
}

// Strings sharing their first eight bytes (the word a product-based hash would zero out)
// still spread over a table.
TEST(HashTest, SharedPrefixesSpreadOverATable) {
  std::set<uint64_t> top_bits;
  for (int i = 0; i < 4096; ++i) {
    const std::string s = std::string("\x2f\x64\xbd\x78\x64\x1d\x76\xa0", 8) + std::to_string(i);
    top_bits.insert(HashBytes(s) >> 52);  // the top 12 bits pick a slot in a 4,096-slot table
  }
  EXPECT_GT(top_bits.size(), 2000u);
}

}  // namespace
}  // namespace arc
