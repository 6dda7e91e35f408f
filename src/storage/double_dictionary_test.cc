#include "storage/double_dictionary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

namespace arc {
namespace {

uint64_t Bits(double v) {
  uint64_t b;
  std::memcpy(&b, &v, 8);
  return b;
}

TEST(DoubleDictionaryTest, NumbersDistinctBitPatternsInFirstSeenOrder) {
  DoubleDictionary d;
  d.Reset(100);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  double other_nan;
  const uint64_t payload = Bits(nan) | 1;
  std::memcpy(&other_nan, &payload, 8);
  EXPECT_EQ(d.IndexOf(1.5), 0);
  EXPECT_EQ(d.IndexOf(0.0), 1);
  EXPECT_EQ(d.IndexOf(-0.0), 2) << "-0.0 is not 0.0: both must read back as written";
  EXPECT_EQ(d.IndexOf(nan), 3);
  EXPECT_EQ(d.IndexOf(other_nan), 4) << "NaN payloads are kept";
  EXPECT_EQ(d.IndexOf(nan), 3) << "a NaN finds itself (compared by bits, not by ==)";
  EXPECT_EQ(d.IndexOf(1.5), 0);
  EXPECT_EQ(d.IndexOf(-std::numeric_limits<double>::infinity()), 5);
  ASSERT_EQ(d.values().size(), 6u);
  EXPECT_EQ(Bits(d.values()[2]), Bits(-0.0));
  EXPECT_EQ(Bits(d.values()[4]), payload);
}

// Against std::map on the bits, through many table growths and values that differ only in
// their low bits, high bits, or both.
TEST(DoubleDictionaryTest, AgreesWithAMapThroughGrowth) {
  DoubleDictionary d;
  d.Reset(1 << 20);
  std::map<uint64_t, int64_t> want;
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 300000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    uint64_t bits = i % 3 == 0 ? (x % 5000) : i % 3 == 1 ? (x % 5000) << 52 : x % 100000;
    double v;
    std::memcpy(&v, &bits, 8);
    const auto [it, added] = want.try_emplace(bits, static_cast<int64_t>(want.size()));
    ASSERT_EQ(d.IndexOf(v), it->second) << i;
  }
  EXPECT_EQ(d.values().size(), want.size());
}

TEST(DoubleDictionaryTest, RefusesNewValuesPastTheLimitAndResetsClean) {
  DoubleDictionary d;
  d.Reset(3);
  EXPECT_EQ(d.IndexOf(1), 0);
  EXPECT_EQ(d.IndexOf(2), 1);
  EXPECT_EQ(d.IndexOf(3), 2);
  EXPECT_EQ(d.IndexOf(4), -1);
  EXPECT_EQ(d.IndexOf(2), 1) << "known values still answer";
  d.Reset(3);
  EXPECT_TRUE(d.values().empty());
  EXPECT_EQ(d.IndexOf(4), 0);
}

// The table keeps its grown size across Reset: numbers restart at 0 and no value of the
// previous chunk is found again, whatever the new limit.
TEST(DoubleDictionaryTest, ResetAfterGrowthForgetsEveryValue) {
  DoubleDictionary d;
  d.Reset(1 << 16);
  for (int i = 0; i < 40000; ++i) ASSERT_EQ(d.IndexOf(i * 0.25), i);
  for (const size_t limit : {size_t{1} << 16, size_t{100}, size_t{2}}) {
    d.Reset(limit);
    EXPECT_TRUE(d.values().empty());
    EXPECT_EQ(d.IndexOf(7 * 0.25), 0) << limit;
    EXPECT_EQ(d.IndexOf(-1.0), 1) << limit;
    EXPECT_EQ(d.IndexOf(7 * 0.25), 0) << limit;
    for (int i = 0; i < 1000; ++i) {
      const int64_t k = d.IndexOf(1e6 + i);
      ASSERT_EQ(k, static_cast<size_t>(i) + 2 < limit ? i + 2 : -1) << limit << " " << i;
    }
  }
}

}  // namespace
}  // namespace arc
