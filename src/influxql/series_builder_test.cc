#include "influxql/series_builder.h"

#include <gtest/gtest.h>

#include "influxql/fake_catalog_test_util.h"

namespace arc::influxql {
namespace {

constexpr int64_t kSec = 1000000000;
constexpr int64_t kSecUs = 1000000;  // the rows' __b is in µs

class InfluxSeriesBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.AddMeasurement("db", "m", test_util::MakeSchema({"host"}, {{"v", FieldType::kFloat},
                                                                       {"i", FieldType::kInteger},
                                                                       {"s", FieldType::kString}}));
  }
  SelectPlan Plan(const std::string& q) {
    Result<SelectPlan> p = PlanSelect(test_util::ParseSelect(q), "db", 100 * kSec, &catalog_);
    EXPECT_TRUE(p.ok()) << q << ": " << p.status().ToString();
    if (p.ok()) {
      EXPECT_EQ(p->queries.size(), 1u) << q;
    }
    return p.ok() ? std::move(*p) : SelectPlan();
  }
  // The series of `q` over `rows` (the one query's rows).
  std::vector<Series> Build(const std::string& q, std::vector<Row> rows, int64_t max_points = 1000000) {
    const SelectPlan plan = Plan(q);
    Result<std::vector<Series>> s = BuildSeries(plan, {std::move(rows)}, max_points);
    EXPECT_TRUE(s.ok()) << q << ": " << s.status().ToString();
    return s.ok() ? std::move(*s) : std::vector<Series>{};
  }
  // The values of the only series as JSON text (types visible: 2 vs 2.0).
  std::string Values(const std::string& q, std::vector<Row> rows) {
    const std::vector<Series> s = Build(q, std::move(rows));
    if (s.size() != 1) return "<" + std::to_string(s.size()) + " series>";
    return Value(s[0].values).dump();
  }
  static std::string List(const std::string& points) { return "[" + points + "]"; }

  test_util::FakeCatalog catalog_;
};

// An aggregate over six 10s buckets from 0 to 60s.
std::string Buckets(const std::string& aggregate, const std::string& tail = "") {
  return "SELECT " + aggregate + " FROM m WHERE time >= 0 AND time < 60s GROUP BY time(10s)" + tail;
}

TEST_F(InfluxSeriesBuilderTest, CountIsZeroInEmptyBucketsUnderFillNull) {
  const std::vector<Series> s = Build(Buckets("count(v)"), {{0, 3}, {2 * 10 * kSecUs, 5}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "m");
  EXPECT_FALSE(s[0].has_tags);
  EXPECT_EQ(s[0].columns, (std::vector<std::string>{"time", "count"}));
  EXPECT_EQ(Value(s[0].values).dump(),
            "[[0,3],[10000000000,0],[20000000000,5],[30000000000,0],[40000000000,0],[50000000000,0]]");
  EXPECT_EQ(Values(Buckets("mean(v)"), {{0, 1.5}, {20 * kSecUs, 2.5}}),
            "[[0,1.5],[10000000000,null],[20000000000,2.5],[30000000000,null],[40000000000,null],[50000000000,null]]");
}

TEST_F(InfluxSeriesBuilderTest, FillModes) {
  const std::vector<Row> rows = {{0, 1.5}, {20 * kSecUs, 2.5}};
  EXPECT_EQ(Values(Buckets("mean(v)", " fill(none)"), rows), "[[0,1.5],[20000000000,2.5]]");
  EXPECT_EQ(Values(Buckets("mean(v)", " fill(previous)"), rows),
            "[[0,1.5],[10000000000,1.5],[20000000000,2.5],[30000000000,2.5],[40000000000,2.5],[50000000000,2.5]]");
  EXPECT_EQ(Values(Buckets("mean(v)", " fill(7)"), rows),
            "[[0,1.5],[10000000000,7],[20000000000,2.5],[30000000000,7],[40000000000,7],[50000000000,7]]");
  EXPECT_EQ(Values(Buckets("count(v)", " fill(-1)"), {{0, 3}}),
            "[[0,3],[10000000000,-1],[20000000000,-1],[30000000000,-1],[40000000000,-1],[50000000000,-1]]")
      << "count() is 0 only under fill(null)";
  EXPECT_EQ(Values(Buckets("mean(v)", " fill(linear)"), {{0, 1.0}, {30 * kSecUs, 4.0}}),
            "[[0,1.0],[10000000000,2.0],[20000000000,3.0],[30000000000,4.0],[40000000000,null],[50000000000,null]]");
  EXPECT_EQ(Values(Buckets("max(i)", " fill(linear)"), {{10 * kSecUs, 1}, {40 * kSecUs, 4}}),
            "[[0,null],[10000000000,1],[20000000000,2],[30000000000,3],[40000000000,4],[50000000000,null]]");
}

TEST_F(InfluxSeriesBuilderTest, LinearFillOfLargeIntegersDoesNotOverflow) {
  // (y2 - y1) * (t - t1) exceeds int64 for counters this large over 10s buckets.
  EXPECT_EQ(Values(Buckets("max(i)", " fill(linear)"), {{0, 0}, {30 * kSecUs, 3000000000000}}),
            "[[0,0],[10000000000,1000000000000],[20000000000,2000000000000],[30000000000,3000000000000],"
            "[40000000000,null],[50000000000,null]]");
}

TEST_F(InfluxSeriesBuilderTest, TooManyBucketsIsRefused) {
  const SelectPlan plan = Plan("SELECT count(v) FROM m WHERE time >= 0 AND time < 60s GROUP BY time(1s)");
  Result<std::vector<Series>> s = BuildSeries(plan, {{{0, 1}}}, 10);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().message(), "the answer would hold more than 10 points (GROUP BY time buckets); "
                                  "narrow the time range or widen the interval");
  EXPECT_TRUE(BuildSeries(plan, {{{0, 1}}}, 60).ok()) << "60 buckets fit 60 points";
  EXPECT_TRUE(BuildSeries(plan, {{}}, 10).ok()) << "no points: no buckets to fill";
}

TEST_F(InfluxSeriesBuilderTest, TransformationsOverRawPoints) {
  const std::vector<Row> floats = {{0, 1.0}, {1 * kSecUs, 3.0}, {3 * kSecUs, 4.0}};
  const std::vector<Row> ints = {{0, 5}, {1 * kSecUs, 3}, {3 * kSecUs, 4}};
  EXPECT_EQ(Values("SELECT derivative(v, 1s) FROM m", floats), "[[1000000000,2.0],[3000000000,0.5]]");
  EXPECT_EQ(Values("SELECT derivative(v, 2s) FROM m", floats), "[[1000000000,4.0],[3000000000,1.0]]");
  EXPECT_EQ(Values("SELECT non_negative_derivative(i) FROM m", ints), "[[3000000000,0.5]]");
  EXPECT_EQ(Values("SELECT difference(i) FROM m", ints), "[[1000000000,-2],[3000000000,1]]");
  EXPECT_EQ(Values("SELECT non_negative_difference(i) FROM m", ints), "[[3000000000,1]]");
  EXPECT_EQ(Values("SELECT moving_average(v, 2) FROM m", floats), "[[1000000000,2.0],[3000000000,3.5]]");
  EXPECT_EQ(Values("SELECT cumulative_sum(i) FROM m", ints), "[[0,5],[1000000000,8],[3000000000,12]]");
  EXPECT_EQ(Values("SELECT elapsed(v, 1ms) FROM m", floats), "[[1000000000,1000],[3000000000,2000]]");
  EXPECT_EQ(Values("SELECT difference(i) FROM m LIMIT 1 OFFSET 1", ints), "[[3000000000,1]]")
      << "LIMIT and OFFSET apply to the transformation's output";
}

TEST_F(InfluxSeriesBuilderTest, DerivativeOverBucketsAnswersFromTheRangeStart) {
  // The bucket before the range is read only to derive the first answered bucket.
  EXPECT_EQ(Values("SELECT derivative(mean(v)) FROM m WHERE time >= 10s AND time < 40s GROUP BY time(10s)",
                   {{0, 1.0}, {10 * kSecUs, 2.0}, {20 * kSecUs, 4.0}, {30 * kSecUs, 8.0}}),
            "[[10000000000,1.0],[20000000000,2.0],[30000000000,4.0]]");
}

TEST_F(InfluxSeriesBuilderTest, LimitOffsetDescendingAndSeriesLimits) {
  EXPECT_EQ(Values("SELECT max(v) FROM m WHERE time >= 0 AND time < 40s GROUP BY time(10s) fill(none) "
                   "ORDER BY time DESC LIMIT 2 OFFSET 1",
                   {{0, 1.0}, {10 * kSecUs, 2.0}, {20 * kSecUs, 3.0}, {30 * kSecUs, 4.0}}),
            "[[20000000000,3.0],[10000000000,2.0]]");
  const std::vector<Series> s = Build("SELECT mean(v) FROM m GROUP BY host SLIMIT 1 SOFFSET 1",
                                      {{0, "a", 1.0}, {0, "b", 2.0}, {0, "c", 3.0}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_TRUE(s[0].has_tags);
  EXPECT_EQ(s[0].tags, (std::vector<std::pair<std::string, std::string>>{{"host", "b"}}));
  EXPECT_EQ(Value(s[0].values).dump(), "[[0,2.0]]");
  const std::vector<Series> all = Build("SELECT mean(v) FROM m GROUP BY host", {{0, "b", 2.0}, {0, nullptr, 1.0}});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].tags[0].second, "") << "a series without the tag sorts first, as ''";
  EXPECT_EQ(all[1].tags[0].second, "b");
}

TEST_F(InfluxSeriesBuilderTest, TopAndBottomOrdering) {
  const std::string pts = List(R"({"t":1,"v":5.0},{"t":2,"v":9.0},{"t":3,"v":7.0},{"t":4,"v":9.0})");
  // Greatest first, the earlier of equal values; answered in time order with their own times.
  EXPECT_EQ(Values("SELECT top(v, 2) FROM m", {{0, pts}}), "[[2000,9.0],[4000,9.0]]");
  EXPECT_EQ(Values("SELECT top(v, 3) FROM m", {{0, pts}}), "[[2000,9.0],[3000,7.0],[4000,9.0]]");
  EXPECT_EQ(Values("SELECT bottom(v, 2) FROM m", {{0, pts}}), "[[1000,5.0],[3000,7.0]]");
  EXPECT_EQ(Values("SELECT top(v, 10) FROM m", {{0, pts}}), "[[1000,5.0],[2000,9.0],[3000,7.0],[4000,9.0]]");
  // top(x, tag, N): the best point of each tag value, then the N best of those.
  const std::string tagged =
      List(R"({"t":1,"v":5.0,"a0":"a"},{"t":2,"v":9.0,"a0":"a"},{"t":3,"v":7.0,"a0":"b"},{"t":4,"v":1.0,"a0":"c"})");
  const std::vector<Series> s = Build("SELECT top(v, host, 2) FROM m", {{0, tagged, nullptr}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].columns, (std::vector<std::string>{"time", "top", "host"}));
  EXPECT_EQ(Value(s[0].values).dump(), R"([[2000,9.0,"a"],[3000,7.0,"b"]])");
  // In a GROUP BY time bucket the points take the bucket's time, in rank order.
  EXPECT_EQ(Values("SELECT top(v, 2) FROM m WHERE time >= 0 AND time < 20s GROUP BY time(10s)",
                   {{0, List(R"({"t":1,"v":5.0},{"t":2,"v":9.0},{"t":3,"v":7.0})")},
                    {10 * kSecUs, List(R"({"t":10000001,"v":1.0})")}}),
            "[[0,9.0],[0,7.0],[10000000000,1.0]]");
}

TEST_F(InfluxSeriesBuilderTest, PercentileIsNearestRank) {
  const std::string pts = List(R"({"t":1,"v":5.0},{"t":2,"v":1.0},{"t":3,"v":4.0},{"t":4,"v":2.0},{"t":5,"v":3.0})");
  // index floor(n * p / 100 + 0.5) - 1 of the sorted values, at the chosen point's time.
  EXPECT_EQ(Values("SELECT percentile(v, 50) FROM m", {{0, pts}}), "[[5000,3.0]]");
  EXPECT_EQ(Values("SELECT percentile(v, 95) FROM m", {{0, pts}}), "[[1000,5.0]]");
  EXPECT_EQ(Values("SELECT percentile(v, 10) FROM m", {{0, pts}}), "[[2000,1.0]]");
  EXPECT_EQ(Values("SELECT percentile(v, 0) FROM m", {{0, pts}}), "[[0,null]]") << "no such rank: null";
  EXPECT_EQ(Values("SELECT percentile(v, 100) FROM m", {{0, pts}}), "[[1000,5.0]]");
  EXPECT_EQ(Values("SELECT percentile(v, 50) FROM m WHERE time >= 0 AND time < 10s GROUP BY time(10s)", {{0, pts}}),
            "[[0,3.0]]")
      << "in a bucket the bucket's time";
}

TEST_F(InfluxSeriesBuilderTest, ModeDistinctAndIntegral) {
  EXPECT_EQ(Values("SELECT mode(i) FROM m", {{0, List(R"({"t":1,"v":1},{"t":2,"v":3},{"t":3,"v":3},{"t":4,"v":2},)"
                                                          R"({"t":5,"v":3},{"t":6,"v":2})")}}),
            "[[0,3]]");
  // Equally frequent values: InfluxDB's reducer keeps the run that starts first in time.
  EXPECT_EQ(Values("SELECT mode(i) FROM m", {{0, List(R"({"t":1,"v":2},{"t":2,"v":2},{"t":3,"v":1},{"t":4,"v":1})")}}),
            "[[0,2]]");
  EXPECT_EQ(Values("SELECT mode(i) FROM m", {{0, List(R"({"t":1,"v":1},{"t":2,"v":1},{"t":3,"v":2},{"t":4,"v":2})")}}),
            "[[0,1]]");
  EXPECT_EQ(Values("SELECT distinct(s) FROM m",
                   {{0, List(R"({"t":1,"v":"b"},{"t":2,"v":"a"},{"t":3,"v":"b"},{"t":4,"v":"c"})")}}),
            R"([[0,"a"],[0,"b"],[0,"c"]])");
  const std::string pts = List(R"({"t":0,"v":0.0},{"t":10000000,"v":10.0},{"t":20000000,"v":10.0})");
  EXPECT_EQ(Values("SELECT integral(v) FROM m", {{0, pts}}), "[[0,150.0]]") << "50 + 100 in value-seconds";
  EXPECT_EQ(Values("SELECT integral(v, 1m) FROM m", {{0, pts}}), "[[0,2.5]]");
}

TEST_F(InfluxSeriesBuilderTest, SelectorTimeAndAuxColumns) {
  // max(v), host: the row carries the selected point's time as __st (µs).
  const std::vector<Series> s = Build("SELECT max(v), host FROM m", {{0, 9.5, "web1", 7 * kSecUs}});
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].columns, (std::vector<std::string>{"time", "max", "host"}));
  EXPECT_EQ(Value(s[0].values).dump(), R"([[7000000000,9.5,"web1"]])");
}

}  // namespace
}  // namespace arc::influxql
