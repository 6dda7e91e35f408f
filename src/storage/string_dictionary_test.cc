#include "storage/string_dictionary.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace arc {
namespace {

TEST(StringDictionaryTest, NumbersDistinctStringsInFirstSeenOrder) {
  const std::vector<std::string> in = {"b", "a", "", "b", std::string("a\0", 2), "a", ""};
  StringDictionary d;
  d.Reset(100, 1000);
  std::vector<int64_t> got;
  for (const std::string& s : in) got.push_back(d.IndexOf(s));
  EXPECT_EQ(got, (std::vector<int64_t>{0, 1, 2, 0, 3, 1, 2})) << "\"a\\0\" is not \"a\"";
  ASSERT_EQ(d.values().size(), 4u);
  EXPECT_EQ(d.values()[3], std::string_view("a\0", 2));
}

// Against std::map through many table growths, with strings sharing long prefixes.
TEST(StringDictionaryTest, AgreesWithAMapThroughGrowth) {
  std::vector<std::string> strings;
  for (int i = 0; i < 200000; ++i) {
    const int k = (i * 7919) % 30011;
    strings.push_back(k % 2 ? "host-" + std::to_string(k)
                            : std::string(40, 'p') + std::to_string(k));
  }
  StringDictionary d;
  d.Reset(1 << 20, size_t{1} << 30);
  std::map<std::string, int64_t> want;
  for (size_t i = 0; i < strings.size(); ++i) {
    const auto [it, added] = want.try_emplace(strings[i], static_cast<int64_t>(want.size()));
    ASSERT_EQ(d.IndexOf(strings[i]), it->second) << i;
  }
  EXPECT_EQ(d.values().size(), want.size());
}

// Strings one byte apart at any position of any length up to 24 are told apart, whether
// looked up right after each other or after another value.
TEST(StringDictionaryTest, TellsApartStringsOneByteApartAtEveryLength) {
  StringDictionary d;
  for (size_t n = 0; n <= 24; ++n) {
    d.Reset(1000, 1 << 20);
    const std::string base(n, 'a');
    ASSERT_EQ(d.IndexOf(base), 0) << n;
    ASSERT_EQ(d.IndexOf(base), 0) << n;
    for (size_t at = 0; at < n; ++at) {
      std::string other = base;
      other[at] = 'b';
      const int64_t want = static_cast<int64_t>(at) + 1;
      EXPECT_EQ(d.IndexOf(other), want) << n << " " << at;
      EXPECT_EQ(d.IndexOf(other), want) << n << " " << at;
      EXPECT_EQ(d.IndexOf(base), 0) << n << " " << at;
    }
    EXPECT_EQ(d.values().size(), n + 1);
    EXPECT_EQ(d.IndexOf(base + "a"), static_cast<int64_t>(n) + 1) << "one byte longer";
  }
}

TEST(StringDictionaryTest, RefusesNewValuesPastEitherLimitAndResetsClean) {
  StringDictionary d;
  d.Reset(2, 1000);
  EXPECT_EQ(d.IndexOf("x"), 0);
  EXPECT_EQ(d.IndexOf("y"), 1);
  EXPECT_EQ(d.IndexOf("z"), -1) << "past the count";
  EXPECT_EQ(d.IndexOf("y"), 1) << "known values still answer";
  d.Reset(100, 5);
  EXPECT_TRUE(d.values().empty());
  EXPECT_EQ(d.IndexOf("abc"), 0);
  EXPECT_EQ(d.IndexOf("de"), 1);
  EXPECT_EQ(d.IndexOf("f"), -1) << "past the bytes";
  EXPECT_EQ(d.IndexOf("abc"), 0);
}

}  // namespace
}  // namespace arc
