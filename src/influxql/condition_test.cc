#include "influxql/condition.h"

#include <gtest/gtest.h>

#include <climits>

#include "influxql/fake_catalog_test_util.h"

namespace arc::influxql {
namespace {

using test_util::MakeSchema;

constexpr int64_t kJan1 = 1672531200000000000;  // 2023-01-01T00:00:00Z
constexpr int64_t kHour = 3600000000000;

// The WHERE expression of "SELECT v FROM m WHERE <where>".
ExprPtr Where(const std::string& where) {
  SelectStatement s = test_util::ParseSelect("SELECT v FROM m WHERE " + where);
  return std::move(s.where);
}

MeasurementSchema Cpu() {
  return MakeSchema({"host", "region"}, {{"usage", FieldType::kFloat}, {"n", FieldType::kInteger},
                                          {"s", FieldType::kString}});
}

std::string Sql(const std::string& where) {
  ExprPtr e = Where(where);
  if (e == nullptr) return "<no expression>";
  Result<std::string> sql = ConditionSql(*e, Cpu());
  return sql.ok() ? *sql : "ERROR: " + sql.status().message();
}

TEST(InfluxConditionTest, SplitsTimeBoundsFromTheOtherTerms) {
  ExprPtr e = Where("time >= '2023-01-01T00:00:00Z' AND host = 'a' AND time < '2023-01-02T00:00:00Z'");
  TimeRange range;
  ExprPtr rest;
  ASSERT_TRUE(SplitTimeRange(e.get(), 0, &range, &rest).ok());
  EXPECT_EQ(range.min_ns, kJan1);
  EXPECT_EQ(range.max_ns, kJan1 + 24 * kHour - 1) << "time < x is time <= x - 1";
  ASSERT_NE(rest, nullptr);
  EXPECT_EQ(rest->ToString(), "host = 'a'");
  EXPECT_FALSE(range.empty());

  TimeRange none;
  ExprPtr nothing;
  ASSERT_TRUE(SplitTimeRange(nullptr, 0, &none, &nothing).ok());
  EXPECT_FALSE(none.min_ns.has_value());
  EXPECT_EQ(nothing, nullptr);
}

TEST(InfluxConditionTest, NowMirroredComparisonsAndIntersections) {
  const int64_t now = 10 * kHour;
  TimeRange r;
  ExprPtr rest;
  ASSERT_TRUE(SplitTimeRange(Where("time > now() - 1h AND '1970-01-01T09:30:00Z' <= time").get(), now, &r, &rest).ok());
  EXPECT_EQ(r.min_ns, 9 * kHour + 1800000000000) << "the tighter lower bound wins";
  EXPECT_FALSE(r.max_ns.has_value());
  EXPECT_EQ(rest, nullptr);

  TimeRange eq;
  ASSERT_TRUE(SplitTimeRange(Where("time = 5").get(), now, &eq, &rest).ok());
  EXPECT_EQ(eq.min_ns, 5);
  EXPECT_EQ(eq.max_ns, 5);

  TimeRange empty;
  ASSERT_TRUE(SplitTimeRange(Where("time > 10 AND time < 5").get(), now, &empty, &rest).ok());
  EXPECT_TRUE(empty.empty());
}

TEST(InfluxConditionTest, RefusesTimeUnderOrAndBadTimes) {
  TimeRange r;
  ExprPtr rest;
  Status st = SplitTimeRange(Where("time > 1 OR host = 'a'").get(), 0, &r, &rest);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("time can only be compared with a time in AND terms"), std::string::npos) << st.message();
  st = SplitTimeRange(Where("time != 5").get(), 0, &r, &rest);
  EXPECT_EQ(st.message(), "invalid time comparison operator: !=");
  st = SplitTimeRange(Where("time > 'junk'").get(), 0, &r, &rest);
  EXPECT_NE(st.message().find("invalid time literal 'junk'"), std::string::npos) << st.message();
}

TEST(InfluxConditionTest, EvalTime) {
  EXPECT_EQ(*EvalTime(*Where("now() + 1m"), 1000), 60000001000);
  EXPECT_EQ(*EvalTime(*Where("'2023-01-01T00:00:00Z' - 1h"), 0), kJan1 - kHour);
  EXPECT_EQ(*EvalTime(*Where("1500"), 0), 1500) << "integers are nanoseconds";
  EXPECT_FALSE(EvalTime(*Where("host"), 0).ok());
  EXPECT_FALSE(EvalTime(*Where("now() * 2"), 0).ok());
}

TEST(InfluxConditionTest, ConditionSqlTagsFieldsAndUnknownNames) {
  EXPECT_EQ(Sql("host = 'a'"), "(coalesce(\"host\", '') = 'a')");
  EXPECT_EQ(Sql("usage > 1.5"), "(\"usage\" > 1.5)");
  EXPECT_EQ(Sql("n <= 2"), "(\"n\" <= 2)");
  EXPECT_EQ(Sql("host =~ /^web/"), "regexp_matches(coalesce(\"host\", ''), '^web')");
  EXPECT_EQ(Sql("host !~ /x/"), "(NOT regexp_matches(coalesce(\"host\", ''), 'x'))");
  EXPECT_EQ(Sql("nosuch = 'x'"), "(coalesce(CAST(NULL AS VARCHAR), '') = 'x')");
  EXPECT_EQ(Sql("host = 5"), "false") << "a tag never equals a number";
  EXPECT_EQ(Sql("host = 'a' OR usage < 0"), "((coalesce(\"host\", '') = 'a') OR (\"usage\" < 0))");
}

TEST(InfluxConditionTest, ConditionSqlQuotesLiteralsAndRefusesOtherExpressions) {
  EXPECT_EQ(Sql("s = 'it\\'s'"), "(\"s\" = 'it''s')");
  EXPECT_EQ(Sql("usage + 1 > n * 2"), "((\"usage\" + 1) > (\"n\" * 2))");
  EXPECT_EQ(Sql("$host = 'a'"), "ERROR: unsupported expression in WHERE: $host");
  EXPECT_EQ(Sql("host"), "ERROR: invalid condition: host");
  EXPECT_EQ(Sql("true"), "true");
}

TEST(InfluxConditionTest, LiteralAndTimeRangeSql) {
  Expr n;
  n.kind = ExprKind::kNumber;
  n.number = 3.0;
  EXPECT_EQ(LiteralSql(n), "3.0");
  n.number = 0.25;
  EXPECT_EQ(LiteralSql(n), "0.25");
  Expr s;
  s.kind = ExprKind::kString;
  s.text = "a'b";
  EXPECT_EQ(LiteralSql(s), "'a''b'");

  EXPECT_EQ(TimeRangeSql(TimeRange{}), "");
  TimeRange r;
  r.min_ns = kJan1 + 1;               // rounds up to the next µs
  r.max_ns = kJan1 + 999999999;       // rounds down
  EXPECT_EQ(TimeRangeSql(r), "time >= TIMESTAMP '2023-01-01 00:00:00.000001' AND time <= "
                             "TIMESTAMP '2023-01-01 00:00:00.999999'");
  TimeRange lower;
  lower.min_ns = -1500;
  EXPECT_EQ(TimeRangeSql(lower), "time >= TIMESTAMP '1969-12-31 23:59:59.999999'");
  // At the ends of int64 the µs bounds stay where stored times can be; past them, nothing.
  TimeRange first;
  first.min_ns = INT64_MIN;
  first.max_ns = INT64_MIN + 2;
  EXPECT_EQ(TimeRangeSql(first), "time >= TIMESTAMP '1677-09-21 00:12:43.145225' AND false");
  TimeRange last;
  last.min_ns = INT64_MAX - 1;
  last.max_ns = INT64_MAX;
  EXPECT_EQ(TimeRangeSql(last), "false AND time <= TIMESTAMP '2262-04-11 23:47:16.854775'");
}

}  // namespace
}  // namespace arc::influxql
