#include "influxql/name_regex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace arc::influxql {
namespace {

TEST(InfluxNameRegexTest, UnanchoredLikeGoAndRefusesBadPatterns) {
  Result<NameRegex> re = NameRegex::Compile("c.*");
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(re->Matches("cpu"));
  EXPECT_TRUE(re->Matches("recent")) << "unanchored, as Go's MatchString";
  EXPECT_FALSE(re->Matches("mem"));
  Result<NameRegex> bad = NameRegex::Compile("(");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("invalid regex /(/"), std::string::npos);
}

TEST(InfluxNameRegexTest, BacktrackingPatternStaysLinear) {
  // std::regex takes exponential time here; RE2 does not.
  const std::string name(256, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(MatchesName(name, "^(a|aa)*b$"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(InfluxNameRegexTest, MatchesNameFollowsThePatternItIsGiven) {
  EXPECT_TRUE(MatchesName("cpu", "^c"));
  EXPECT_FALSE(MatchesName("cpu", "^m"));  // a new pattern replaces the cached one
  EXPECT_TRUE(MatchesName("mem", "^m"));
  EXPECT_FALSE(MatchesName("cpu", "("));   // refused: matches nothing
  EXPECT_TRUE(MatchesName("cpu", "^c"));
}

}  // namespace
}  // namespace arc::influxql
