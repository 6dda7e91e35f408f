#include "influxql/select_planner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "influxql/fake_catalog_test_util.h"

namespace arc::influxql {
namespace {

using ::testing::HasSubstr;
using test_util::MakeSchema;

constexpr int64_t kJan1 = 1672531200000000000;  // 2023-01-01T00:00:00Z

class InfluxPlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.AddMeasurement("telegraf", "cpu",
                            MakeSchema({"host", "region"}, {{"usage_user", FieldType::kFloat},
                                                            {"usage_idle", FieldType::kFloat},
                                                            {"n", FieldType::kInteger},
                                                            {"s", FieldType::kString},
                                                            {"b", FieldType::kBoolean}}));
    catalog_.AddMeasurement("telegraf", "mem", MakeSchema({"host"}, {{"used", FieldType::kInteger}}));
  }

  SelectPlan Plan(const std::string& q, const std::string& db = "telegraf") {
    const SelectStatement s = test_util::ParseSelect(q);
    Result<SelectPlan> p = PlanSelect(s, db, kJan1, &catalog_);
    EXPECT_TRUE(p.ok()) << q << ": " << p.status().ToString();
    return p.ok() ? std::move(*p) : SelectPlan();
  }
  std::string Error(const std::string& q, const std::string& db = "telegraf") {
    const SelectStatement s = test_util::ParseSelect(q);
    Result<SelectPlan> p = PlanSelect(s, db, kJan1, &catalog_);
    EXPECT_FALSE(p.ok()) << q << " was planned";
    if (p.ok()) return "";
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    return p.status().message();
  }
  static std::vector<std::string> Names(const SelectPlan& p, size_t q = 0) {
    std::vector<std::string> out;
    if (q >= p.queries.size()) return out;
    for (const PlannedColumn& c : p.queries[q].columns) out.push_back(c.name);
    return out;
  }

  test_util::FakeCatalog catalog_;
};

TEST_F(InfluxPlannerTest, RawQuerySql) {
  const SelectPlan p = Plan("SELECT usage_user, host FROM cpu WHERE time >= '2023-01-01T00:00:00Z' AND host = 'a' LIMIT 5");
  EXPECT_FALSE(p.aggregate);
  EXPECT_TRUE(p.limit_in_sql);
  ASSERT_EQ(p.queries.size(), 1u);
  EXPECT_EQ(p.queries[0].name, "cpu");
  EXPECT_EQ(Names(p), (std::vector<std::string>{"usage_user", "host"}));
  EXPECT_EQ(p.queries[0].sql,
            "SELECT epoch_us(time) AS __b, \"usage_user\" AS __c0, \"host\" AS __c1 FROM \"telegraf\".\"cpu\" "
            "WHERE time >= TIMESTAMP '2023-01-01 00:00:00' AND (coalesce(\"host\", '') = 'a') AND "
            "(\"usage_user\" IS NOT NULL) ORDER BY __b LIMIT 5");
}

TEST_F(InfluxPlannerTest, AggregateGroupByTimeAndTagSql) {
  const SelectPlan p = Plan("SELECT mean(usage_user) FROM cpu WHERE time >= '2023-01-01T00:00:00Z' AND "
                            "time < '2023-01-01T01:00:00Z' GROUP BY time(10m), host");
  EXPECT_TRUE(p.aggregate);
  EXPECT_EQ(p.interval_ns, 600000000000);
  EXPECT_EQ(p.range.max_ns, kJan1 + 3600000000000 - 1);
  ASSERT_EQ(p.queries.size(), 1u);
  const std::string& sql = p.queries[0].sql;
  EXPECT_EQ(p.queries[0].group_tags, std::vector<std::string>{"host"});
  EXPECT_THAT(sql, HasSubstr("SELECT (epoch_us(time) - (((epoch_us(time) - 0) % 600000000) + 600000000) % 600000000) AS __b, "
                             "coalesce(\"host\", '') AS __g0, avg(\"usage_user\") AS __c0 FROM \"telegraf\".\"cpu\""));
  EXPECT_THAT(sql, HasSubstr("time <= TIMESTAMP '2023-01-01 00:59:59.999999'"));
  EXPECT_THAT(sql, HasSubstr(" GROUP BY __b, __g0 HAVING count(*) > 0 ORDER BY __g0, __b"));
}

TEST_F(InfluxPlannerTest, ColumnNamesFollowInfluxDb) {
  EXPECT_EQ(Names(Plan("SELECT mean(usage_user), mean(usage_idle), max(n) AS peak FROM cpu")),
            (std::vector<std::string>{"mean", "mean_1", "peak"}));
  const SelectPlan math = Plan("SELECT usage_user * 2 + usage_idle FROM cpu");
  EXPECT_EQ(Names(math), std::vector<std::string>{"usage_user_usage_idle"});
  EXPECT_THAT(math.queries[0].sql, HasSubstr("((\"usage_user\" * 2) + \"usage_idle\") AS __c0"));
  EXPECT_EQ(Names(Plan("SELECT mean(*) FROM cpu")),
            (std::vector<std::string>{"mean_n", "mean_usage_idle", "mean_usage_user"}))
      << "numeric fields only, in name order";
  EXPECT_EQ(Names(Plan("SELECT count(/usage/) FROM cpu")),
            (std::vector<std::string>{"count_usage_idle", "count_usage_user"}));
  const SelectPlan star = Plan("SELECT * FROM cpu GROUP BY host");
  EXPECT_EQ(Names(star), (std::vector<std::string>{"b", "n", "region", "s", "usage_idle", "usage_user"}))
      << "the GROUP BY tag is no column";
  EXPECT_TRUE(star.union_columns);
}

TEST_F(InfluxPlannerTest, AggregateSqlPerFunction) {
  const SelectPlan p = Plan("SELECT count(n), sum(n), sum(usage_user), median(n), spread(n), stddev(n), "
                            "first(usage_user), count(distinct(s)) FROM cpu");
  ASSERT_EQ(p.queries.size(), 1u);
  const std::vector<PlannedColumn>& c = p.queries[0].columns;
  ASSERT_EQ(c.size(), 8u);
  EXPECT_EQ(c[0].sql, "count(\"n\")");
  EXPECT_TRUE(c[0].zero_when_empty);
  EXPECT_EQ(c[1].sql, "CAST(sum(\"n\") AS BIGINT)");
  EXPECT_FALSE(c[1].zero_when_empty);
  EXPECT_EQ(c[2].sql, "sum(\"usage_user\")");
  EXPECT_EQ(c[3].sql, "quantile_cont(CAST(\"n\" AS DOUBLE), 0.5)");
  EXPECT_EQ(c[4].sql, "(max(\"n\") - min(\"n\"))");
  EXPECT_EQ(c[5].sql, "stddev_samp(\"n\")");
  EXPECT_EQ(c[6].sql, "first(\"usage_user\" ORDER BY time ASC, \"usage_user\" DESC) FILTER (WHERE \"usage_user\" IS NOT NULL)");
  EXPECT_EQ(c[7].sql, "count(DISTINCT \"s\")");
  EXPECT_THAT(p.queries[0].sql, HasSubstr(" HAVING count(*) > 0 ORDER BY __b"));
  EXPECT_EQ(p.queries[0].sql.find("GROUP BY"), std::string::npos) << "one group without GROUP BY";
}

TEST_F(InfluxPlannerTest, SelectorWithTagsUsesTheSelectedPoint) {
  const SelectPlan p = Plan("SELECT max(usage_user), host FROM cpu");
  ASSERT_EQ(p.queries.size(), 1u);
  const MeasurementQuery& q = p.queries[0];
  EXPECT_EQ(Names(p), (std::vector<std::string>{"max", "host"}));
  EXPECT_EQ(q.columns[0].aux_columns, std::vector<size_t>{1});
  const std::string key = "[-CAST(\"usage_user\" AS DOUBLE), CAST(epoch_us(time) AS DOUBLE)]";
  const std::string only_points = " FILTER (WHERE \"usage_user\" IS NOT NULL)";
  EXPECT_EQ(q.columns[1].sql, "arg_min_null(\"host\", " + key + ")" + only_points)
      << "the selected point's host, even when it has none";
  EXPECT_TRUE(q.selector_time);
  EXPECT_THAT(q.sql, HasSubstr(", arg_min(epoch_us(time), " + key + ")" + only_points + " AS __st FROM"));
}

TEST_F(InfluxPlannerTest, TopWithTagArgumentDoesNotReadMovedColumns) {
  // Regression: planning top(x, tag, N) once kept a reference into the column vector while
  // appending the tag column, and read freed memory (a server crash).
  const SelectPlan p = Plan("SELECT top(usage_user, host, 2) FROM cpu");
  ASSERT_EQ(p.queries.size(), 1u);
  const MeasurementQuery& q = p.queries[0];
  EXPECT_EQ(Names(p), (std::vector<std::string>{"top", "host"}));
  EXPECT_EQ(q.columns[0].list, ListAggregate::kTop);
  EXPECT_EQ(q.columns[0].list_arg, 2);
  EXPECT_EQ(q.columns[0].unique_aux, 1u);
  EXPECT_EQ(q.columns[0].aux_columns, std::vector<size_t>{1});
  EXPECT_EQ(q.columns[0].sql,
            "CAST(to_json(list({'t': epoch_us(time), 'v': \"usage_user\", 'a0': \"host\"} ORDER BY time) "
            "FILTER (WHERE \"usage_user\" IS NOT NULL)) AS VARCHAR)");
  EXPECT_EQ(q.columns[1].sql, "NULL");
  EXPECT_FALSE(q.selector_time);
  // Several tags and a selector beside plain names keep working the same way.
  EXPECT_EQ(Names(Plan("SELECT top(usage_user, host, region, 3) FROM cpu")),
            (std::vector<std::string>{"top", "host", "region"}));
  EXPECT_EQ(Names(Plan("SELECT bottom(usage_user, 3), host, region FROM cpu")),
            (std::vector<std::string>{"bottom", "host", "region"}));
}

TEST_F(InfluxPlannerTest, ListAggregates) {
  const SelectPlan p = Plan("SELECT percentile(usage_user, 95) FROM cpu");
  const PlannedColumn& c = p.queries.at(0).columns.at(0);
  EXPECT_EQ(c.list, ListAggregate::kPercentile);
  EXPECT_EQ(c.list_arg, 95);
  EXPECT_EQ(c.sql, "CAST(to_json(list({'t': epoch_us(time), 'v': \"usage_user\"} ORDER BY time) "
                   "FILTER (WHERE \"usage_user\" IS NOT NULL)) AS VARCHAR)");
  EXPECT_EQ(Plan("SELECT integral(n, 1m) FROM cpu").queries.at(0).columns.at(0).list_arg, 60e9);
  EXPECT_EQ(Plan("SELECT integral(n) FROM cpu").queries.at(0).columns.at(0).list_arg, 1e9);
  EXPECT_EQ(Plan("SELECT distinct(s) FROM cpu").queries.at(0).columns.at(0).list, ListAggregate::kDistinct);
  EXPECT_EQ(Plan("SELECT mode(b) FROM cpu").queries.at(0).columns.at(0).list, ListAggregate::kMode);
  EXPECT_EQ(Error("SELECT top(usage_user, 0) FROM cpu"), "limit (0) in top function must be at least 1");
  EXPECT_EQ(Error("SELECT percentile(usage_user) FROM cpu"), "invalid number of arguments for percentile, expected 2, got 1");
  EXPECT_EQ(Error("SELECT percentile(s, 50) FROM cpu"), "unsupported percentile iterator type for string field");
  EXPECT_EQ(Error("SELECT integral(s) FROM cpu"), "unsupported integral iterator type for string field");
  EXPECT_EQ(Error("SELECT top(usage_user, 2), mean(n) FROM cpu"),
            "top(), bottom(), distinct() and transformations must be the only field of a query");
}

TEST_F(InfluxPlannerTest, TransformationsReadTheBucketsBeforeTheRange) {
  const SelectPlan d = Plan("SELECT derivative(mean(usage_user), 1s) FROM cpu WHERE time >= '2023-01-01T00:00:00Z' "
                            "GROUP BY time(1m)");
  EXPECT_EQ(d.answer_from_ns, kJan1);
  EXPECT_EQ(d.range.min_ns, kJan1 - 60000000000);
  EXPECT_EQ(d.range.max_ns, kJan1) << "GROUP BY time ends at now()";
  const PlannedColumn& c = d.queries.at(0).columns.at(0);
  EXPECT_EQ(c.transform, Transform::kDerivative);
  EXPECT_EQ(c.transform_arg, 1000000000);
  EXPECT_EQ(c.sql, "avg(\"usage_user\")");
  const SelectPlan m = Plan("SELECT moving_average(max(n), 3) FROM cpu WHERE time >= '2023-01-01T00:00:00Z' GROUP BY time(1m)");
  EXPECT_EQ(m.range.min_ns, kJan1 - 120000000000);
  EXPECT_EQ(m.queries.at(0).columns.at(0).transform_arg, 3);
  const SelectPlan raw = Plan("SELECT difference(n) FROM cpu LIMIT 3");
  EXPECT_FALSE(raw.limit_in_sql) << "a transformation's LIMIT counts its output";
  EXPECT_EQ(raw.queries.at(0).sql.find("LIMIT"), std::string::npos);
  EXPECT_EQ(Error("SELECT derivative(usage_user), usage_idle FROM cpu"),
            "top(), bottom(), distinct() and transformations must be the only field of a query");
  EXPECT_EQ(Error("SELECT moving_average(usage_user) FROM cpu"), "invalid number of arguments for moving_average");
}

TEST_F(InfluxPlannerTest, SourcesAndGrouping) {
  const SelectPlan re = Plan("SELECT * FROM /^c/");
  ASSERT_EQ(re.queries.size(), 1u);
  EXPECT_EQ(re.queries[0].name, "cpu");
  EXPECT_TRUE(Plan("SELECT * FROM nosuch").queries.empty()) << "an unknown measurement has no series";
  EXPECT_EQ(Plan("SELECT * FROM cpu, mem").queries.size(), 2u);
  EXPECT_TRUE(Plan("SELECT * FROM cpu WHERE time > 10 AND time < 5").queries.empty());
  const SelectPlan all = Plan("SELECT count(n) FROM cpu GROUP BY *");
  EXPECT_EQ(all.queries.at(0).group_tags, (std::vector<std::string>{"host", "region"}));
  EXPECT_THAT(all.queries.at(0).sql, HasSubstr("coalesce(\"region\", '') AS __g1"));
  const SelectPlan unknown_tag = Plan("SELECT count(n) FROM cpu GROUP BY nosuch");
  EXPECT_THAT(unknown_tag.queries.at(0).sql, HasSubstr("'' AS __g0"));
  const SelectPlan limited = Plan("SELECT usage_user FROM cpu GROUP BY host ORDER BY time DESC LIMIT 2 OFFSET 1");
  EXPECT_THAT(limited.queries.at(0).sql,
              HasSubstr(" QUALIFY row_number() OVER (PARTITION BY __g0 ORDER BY time DESC) > 1 AND "
                        "row_number() OVER (PARTITION BY __g0 ORDER BY time DESC) <= 3 ORDER BY __g0, __b DESC"));
}

TEST_F(InfluxPlannerTest, RefusesWhatIsNotSupported) {
  EXPECT_EQ(Error("SELECT mean(usage_user), usage_idle FROM cpu"),
            "mixing aggregate and non-aggregate queries is not supported");
  EXPECT_EQ(Error("SELECT usage_user FROM cpu GROUP BY time(1m)"), "GROUP BY requires at least one aggregate function");
  EXPECT_EQ(Error("SELECT count(n) FROM cpu GROUP BY time(10ns)"), "GROUP BY time() interval must be at least 1u");
  EXPECT_EQ(Error("SELECT * INTO other FROM cpu"), "SELECT INTO is not supported");
  EXPECT_EQ(Error("SELECT * FROM cpu tz('Europe/Paris')"), "tz('Europe/Paris') is not supported (only UTC)");
  EXPECT_EQ(Error("SELECT mean(s) FROM cpu"), "unsupported mean iterator type for string field s");
  EXPECT_EQ(Error("SELECT max(b) FROM cpu"), "unsupported max iterator type for boolean field b");
  EXPECT_EQ(Error("SELECT * FROM cpu", ""), "database name required");
  EXPECT_EQ(Error("SELECT * FROM a..cpu, b..mem"), "selecting from several databases in one statement is not supported");
  EXPECT_EQ(Plan("SELECT * FROM cpu tz('UTC')").queries.size(), 1u);
}

TEST_F(InfluxPlannerTest, SubqueryTablesReplaceTheMeasurements) {
  SubqueryTable t;
  t.name = "cpu";
  t.schema = MakeSchema({"host"}, {{"mean", FieldType::kFloat}});
  t.relation = "(SELECT 1 AS x)";
  const std::vector<SubqueryTable> tables = {t};
  const SelectStatement s = test_util::ParseSelect("SELECT max(mean) FROM (SELECT mean(usage_user) FROM cpu GROUP BY host)");
  Result<SelectPlan> p = PlanSelect(s, "telegraf", kJan1, &catalog_, &tables);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->queries.size(), 1u);
  EXPECT_THAT(p->queries[0].sql, HasSubstr("max(\"mean\") AS __c0"));
  EXPECT_THAT(p->queries[0].sql, HasSubstr(" FROM (SELECT 1 AS x) WHERE "));
}

}  // namespace
}  // namespace arc::influxql
