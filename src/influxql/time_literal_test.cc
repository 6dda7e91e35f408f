#include "influxql/time_literal.h"

#include <gtest/gtest.h>

#include <climits>

namespace arc::influxql {
namespace {

constexpr int64_t kJan1 = 1672531200000000000;  // 2023-01-01T00:00:00Z

TEST(InfluxTimeLiteralTest, ParsesRfc3339AndItsShortForms) {
  EXPECT_EQ(*ParseTimeLiteral("2023-01-01T00:00:00Z"), kJan1);
  EXPECT_EQ(*ParseTimeLiteral("2023-01-01 00:00:00"), kJan1);
  EXPECT_EQ(*ParseTimeLiteral("2023-01-01"), kJan1);
  EXPECT_EQ(*ParseTimeLiteral("2023-01-01T00:00:00"), kJan1);
  EXPECT_EQ(*ParseTimeLiteral("2023-01-01T00:00:00.5+01:00"), kJan1 - 3600000000000 + 500000000);
  EXPECT_EQ(*ParseTimeLiteral("2023-01-01T00:00:00-02:30"), kJan1 + 9000000000000);
  EXPECT_EQ(*ParseTimeLiteral("2023-01-01T00:00:00.123456789Z"), kJan1 + 123456789);
  EXPECT_EQ(*ParseTimeLiteral("2024-02-29T12:34:56Z"), 1709210096000000000);
  EXPECT_EQ(*ParseTimeLiteral("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseTimeLiteral("1969-12-31T23:59:59.5Z"), -500000000);
}

TEST(InfluxTimeLiteralTest, RefusesOtherTextByName) {
  for (const char* bad : {"yesterday", "2023-13-01", "2023-01-00", "2023-01-01T25:00:00Z", "2023-01-01T00:00:00.Z",
                          "2023-01-01T00:00:00+0100", "2023-01-01T00:00Z", "2023-01-01X", "2023/01/01", ""}) {
    Result<int64_t> r = ParseTimeLiteral(bad);
    EXPECT_FALSE(r.ok()) << bad << " → " << (r.ok() ? *r : 0);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_EQ(ParseTimeLiteral("yesterday").status().message(),
            "invalid time literal 'yesterday': expected RFC 3339 (2006-01-02T15:04:05Z)");
  Result<int64_t> far = ParseTimeLiteral("9999-12-31T00:00:00Z");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.status().message(), "time literal '9999-12-31T00:00:00Z' is out of range");
}

TEST(InfluxTimeLiteralTest, FormatRfc3339TrimsTheFraction) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kJan1), "2023-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(kJan1 + 500000000), "2023-01-01T00:00:00.5Z");
  EXPECT_EQ(FormatRfc3339(kJan1 + 1000), "2023-01-01T00:00:00.000001Z");
  EXPECT_EQ(FormatRfc3339(kJan1 + 123456789), "2023-01-01T00:00:00.123456789Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(FormatRfc3339(1709210096000000000), "2024-02-29T12:34:56Z");
  // The ends of int64 (InfluxDB's 1677..2262 range) format without overflow.
  EXPECT_EQ(FormatRfc3339(INT64_MIN), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(FormatRfc3339(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
  EXPECT_EQ(FormatRfc3339(-9223372036854775000), "1677-09-21T00:12:43.145225Z");
  for (int64_t t : {int64_t{0}, kJan1 + 1, int64_t{-86400000000001}, int64_t{4102444800000000000}})
    EXPECT_EQ(*ParseTimeLiteral(FormatRfc3339(t)), t) << t;
}

TEST(InfluxTimeLiteralTest, FloorDivRoundsDown) {
  EXPECT_EQ(FloorDiv(1999, 1000), 1);
  EXPECT_EQ(FloorDiv(-1, 1000), -1);
  EXPECT_EQ(FloorDiv(-1000, 1000), -1);
  EXPECT_EQ(FloorDiv(-1001, 1000), -2);
  EXPECT_EQ(FloorDiv(0, 1000), 0);
}

}  // namespace
}  // namespace arc::influxql
