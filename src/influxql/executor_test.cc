#include "influxql/executor.h"

#include <gtest/gtest.h>

#include "influxql/fake_catalog_test_util.h"
#include "influxql/parser.h"
#include "influxql/result_writer.h"

namespace arc::influxql {
namespace {

using test_util::MakeSchema;

constexpr int64_t kJan1 = 1672531200000000000;  // 2023-01-01T00:00:00Z

class InfluxExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_.AddDatabase("other");
    catalog_.AddMeasurement("telegraf", "cpu",
                            MakeSchema({"host", "region"}, {{"usage", FieldType::kFloat},
                                                            {"n", FieldType::kInteger},
                                                            {"s", FieldType::kString},
                                                            {"b", FieldType::kBoolean}}));
    catalog_.AddMeasurement("telegraf", "disk", MakeSchema({}, {{"free", FieldType::kInteger}}));
    catalog_.AddMeasurement("telegraf", "mem", MakeSchema({"host"}, {{"used", FieldType::kInteger}}));
    options_.database = "telegraf";
    options_.now_ns = kJan1;
  }

  std::vector<StatementResult> Run(const std::string& q) {
    Result<std::vector<Statement>> st = ParseQuery(q);
    EXPECT_TRUE(st.ok()) << q << ": " << st.status().ToString();
    if (!st.ok()) return {};
    return Execute(*st, options_, &catalog_);
  }
  // The answer of `q` as InfluxDB's JSON with epoch nanoseconds.
  std::string Json(const std::string& q) { return WriteJson(Run(q), 1, false); }
  std::string Error(const std::string& q) {
    const std::vector<StatementResult> r = Run(q);
    if (r.size() != 1) return "<" + std::to_string(r.size()) + " results>";
    return r[0].error;
  }

  test_util::FakeCatalog catalog_;
  ExecOptions options_;
};

TEST_F(InfluxExecutorTest, ShowDatabasesAndMeasurements) {
  EXPECT_EQ(Json("SHOW DATABASES"),
            R"({"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],)"
            R"("values":[["other"],["telegraf"]]}]}]})");
  EXPECT_EQ(Json("SHOW MEASUREMENTS"),
            R"({"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],)"
            R"("values":[["cpu"],["disk"],["mem"]]}]}]})");
  EXPECT_EQ(Json("SHOW MEASUREMENTS WITH MEASUREMENT =~ /^(c|m)/ LIMIT 1 OFFSET 1"),
            R"({"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["mem"]]}]}]})");
  EXPECT_EQ(Json("SHOW MEASUREMENTS ON other"), R"({"results":[{"statement_id":0}]})");
}

TEST_F(InfluxExecutorTest, ShowMeasurementsWhereAsksForOneRow) {
  catalog_.AddRows("FROM \"telegraf\".\"mem\"", {{1}});
  EXPECT_EQ(Json("SHOW MEASUREMENTS WHERE host = 'a'"),
            R"({"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["mem"]]}]}]})");
  ASSERT_EQ(catalog_.sql_log().size(), 3u);
  EXPECT_EQ(catalog_.sql_log()[0], "SELECT 1 FROM \"telegraf\".\"cpu\" WHERE (coalesce(\"host\", '') = 'a') LIMIT 1");
}

TEST_F(InfluxExecutorTest, ShowTagAndFieldKeys) {
  EXPECT_EQ(Json("SHOW TAG KEYS"),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["tagKey"],"values":[["host"],["region"]]},)"
            R"({"name":"mem","columns":["tagKey"],"values":[["host"]]}]}]})")
      << "a measurement without tags has no series";
  EXPECT_EQ(Json("SHOW FIELD KEYS FROM cpu"),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["fieldKey","fieldType"],)"
            R"("values":[["b","boolean"],["n","integer"],["s","string"],["usage","float"]]}]}]})");
  EXPECT_EQ(Json("SHOW FIELD KEYS FROM /^d/"),
            R"({"results":[{"statement_id":0,"series":[{"name":"disk","columns":["fieldKey","fieldType"],)"
            R"("values":[["free","integer"]]}]}]})");
  EXPECT_EQ(Error("SHOW TAG KEYS ON nosuch"), "database not found: nosuch");
}

TEST_F(InfluxExecutorTest, ShowTagValuesAsksTheCatalog) {
  catalog_.AddRows("SELECT DISTINCT 'host' AS key", {{"host", "a"}, {"host", "b"}});
  EXPECT_EQ(Json("SHOW TAG VALUES FROM cpu WITH KEY = host"),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["key","value"],)"
            R"("values":[["host","a"],["host","b"]]}]}]})");
  ASSERT_EQ(catalog_.sql_log().size(), 1u);
  EXPECT_EQ(catalog_.sql_log()[0],
            "SELECT DISTINCT 'host' AS key, \"host\" AS value FROM \"telegraf\".\"cpu\" WHERE \"host\" IS NOT NULL "
            "ORDER BY key, value");
}

TEST_F(InfluxExecutorTest, ShowSeriesEscapesKeys) {
  catalog_.AddRows("SELECT DISTINCT \"host\", \"region\" FROM \"telegraf\".\"cpu\"",
                   {{"a", "eu"}, {"b web", nullptr}, {"c,d", "x=y"}});
  catalog_.AddRows("SELECT DISTINCT \"host\" FROM \"telegraf\".\"mem\"", {{"a"}});
  catalog_.AddRows("SELECT 1 FROM \"telegraf\".\"disk\" LIMIT 1", {{1}});  // a tagless measurement with a point
  EXPECT_EQ(Json("SHOW SERIES"),
            R"({"results":[{"statement_id":0,"series":[{"columns":["key"],"values":[["cpu,host=a,region=eu"],)"
            R"(["cpu,host=b\\ web"],["cpu,host=c\\,d,region=x\\=y"],["disk"],["mem,host=a"]]}]}]})");
}

TEST_F(InfluxExecutorTest, ShowRetentionPoliciesAndUnsupported) {
  EXPECT_EQ(Json("SHOW RETENTION POLICIES"),
            R"({"results":[{"statement_id":0,"series":[{"columns":["name","duration","shardGroupDuration","replicaN","default"],)"
            R"("values":[["autogen","0s","168h0m0s",1,true]]}]}]})");
  EXPECT_EQ(Error("SHOW RETENTION POLICIES ON nosuch"), "database not found: nosuch");
  EXPECT_EQ(Error("SHOW USERS"), "SHOW USERS is not supported by Arc");
  EXPECT_EQ(Error("GRANT ALL TO bob"), "GRANT ALL TO BOB is not supported by Arc");
  options_.database = "";
  EXPECT_EQ(Error("SHOW MEASUREMENTS"), "database name required");
}

TEST_F(InfluxExecutorTest, CreateAndDropNeedWritePermission) {
  EXPECT_EQ(Error("CREATE DATABASE newdb"), "CREATE DATABASE needs a POST with an admin token");
  EXPECT_EQ(Error("DROP MEASUREMENT cpu"), "DROP needs a POST with an admin token");
  EXPECT_TRUE(catalog_.created().empty());
  options_.may_write = true;
  EXPECT_EQ(Json("CREATE DATABASE newdb"), R"({"results":[{"statement_id":0}]})");
  EXPECT_EQ(catalog_.created(), std::vector<std::string>{"newdb"});
  EXPECT_EQ(Error("DROP MEASUREMENT cpu"), "");
  EXPECT_EQ(catalog_.dropped(), std::vector<std::string>{"telegraf.cpu"});
  EXPECT_EQ(Error("DROP DATABASE telegraf"), "");
  EXPECT_EQ(catalog_.dropped(), (std::vector<std::string>{"telegraf.cpu", "telegraf"}));
  EXPECT_EQ(Error("DROP SERIES FROM cpu"), "DROP SERIES FROM CPU is not supported by Arc");
}

TEST_F(InfluxExecutorTest, StopsAfterTheFirstFailedStatement) {
  const std::vector<StatementResult> r = Run("SHOW DATABASES; SELECT * FROM nosuchdb..cpu; SHOW DATABASES");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].statement_id, 0);
  EXPECT_EQ(r[0].error, "");
  EXPECT_EQ(r[1].statement_id, 1);
  EXPECT_EQ(r[1].error, "database not found: nosuchdb");
}

TEST_F(InfluxExecutorTest, RetentionPolicies) {
  EXPECT_EQ(Error("SELECT * FROM \"telegraf\".\"autogen\".\"cpu\""), "");
  EXPECT_EQ(Error("SELECT * FROM telegraf.weekly.cpu"), "retention policy not found: weekly");
  options_.retention_policy = "weekly";
  EXPECT_EQ(Error("SELECT * FROM cpu"), "retention policy not found: weekly");
  options_.retention_policy = "autogen";
  EXPECT_EQ(Error("SELECT * FROM cpu"), "");
  options_.database = "";
  EXPECT_EQ(Error("SELECT * FROM cpu"), "database name required");
}

TEST_F(InfluxExecutorTest, SelectEndToEnd) {
  // mean(usage) per minute and host: rows [__b µs, host, mean].
  catalog_.AddRows("avg(\"usage\")", {{kJan1 / 1000, "a", 1.5}, {kJan1 / 1000 + 120000000, "a", 2.0}});
  EXPECT_EQ(WriteJson(Run("SELECT mean(usage) FROM cpu WHERE time >= '2023-01-01T00:00:00Z' AND "
                          "time < '2023-01-01T00:03:00Z' GROUP BY time(1m), host"),
                      std::nullopt, false),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":"a"},"columns":["time","mean"],)"
            R"("values":[["2023-01-01T00:00:00Z",1.5],["2023-01-01T00:01:00Z",null],["2023-01-01T00:02:00Z",2]]}]}]})");
  ASSERT_EQ(catalog_.sql_log().size(), 1u);
  EXPECT_EQ(catalog_.last_db_, "telegraf");
}

TEST_F(InfluxExecutorTest, SelectStarOverSeveralMeasurementsAlignsColumns) {
  catalog_.AddRows("FROM \"telegraf\".\"disk\"", {{1000, 10}});
  catalog_.AddRows("FROM \"telegraf\".\"mem\"", {{2000, "h", 20}});
  EXPECT_EQ(Json("SELECT * FROM disk, mem"),
            R"({"results":[{"statement_id":0,"series":[{"name":"disk","columns":["time","free","host","used"],)"
            R"("values":[[1000000,10,null,null]]},{"name":"mem","columns":["time","free","host","used"],)"
            R"("values":[[2000000,null,"h",20]]}]}]})");
}

TEST_F(InfluxExecutorTest, SubqueryRunsTheInnerStatementFirst) {
  // Inner: max(n) per host; outer: sum of those maxima over the VALUES table of the answer.
  catalog_.AddRows("max(\"n\")", {{0, "a", 5}, {0, "b", 7}});
  catalog_.AddRows("(VALUES", {{0, 12}});
  EXPECT_EQ(Json("SELECT sum(max) FROM (SELECT max(n) FROM cpu GROUP BY host)"),
            R"({"results":[{"statement_id":0,"series":[{"name":"cpu","columns":["time","sum"],"values":[[0,12]]}]}]})");
  ASSERT_EQ(catalog_.sql_log().size(), 2u);
  EXPECT_NE(catalog_.sql_log()[1].find("(make_timestamp(0), 'a', 5), (make_timestamp(0), 'b', 7)"), std::string::npos)
      << catalog_.sql_log()[1];
  EXPECT_EQ(Error("SELECT * FROM cpu, (SELECT * FROM mem)"), "a subquery must be the only source of FROM");
}

TEST_F(InfluxExecutorTest, InvalidRegexesAreTheStatementsError) {
  EXPECT_EQ(Error("SELECT * FROM /(/").rfind("invalid regex /(/: ", 0), 0u) << Error("SELECT * FROM /(/");
  EXPECT_EQ(Error("SHOW MEASUREMENTS WITH MEASUREMENT =~ /[/").rfind("invalid regex /[/: ", 0), 0u);
  EXPECT_EQ(Error("SHOW TAG VALUES WITH KEY =~ /a**/").rfind("invalid regex /a**/: ", 0), 0u);
  EXPECT_EQ(Json("SHOW FIELD KEYS FROM /^(cpu|mem)$/").find("\"disk\""), std::string::npos);
}

TEST_F(InfluxExecutorTest, CatalogErrorsAndPointLimits) {
  catalog_.FailSelect(Status::InvalidArgument("Binder Error: nope"));
  EXPECT_EQ(Error("SELECT usage FROM cpu"), "Binder Error: nope");
  catalog_.FailSelect(Status::OK());
  catalog_.AddRows("count(\"n\")", {{kJan1 / 1000, 1}});
  options_.max_points = 10;
  EXPECT_EQ(Error("SELECT count(n) FROM cpu WHERE time >= now() - 1h GROUP BY time(1s)"),
            "the answer would hold more than 10 points (GROUP BY time buckets); narrow the time range or widen the interval");
}

}  // namespace
}  // namespace arc::influxql
