#include "query/sql_rewrite.h"

#include <gtest/gtest.h>

#include "storage/flush_view.h"

namespace arc {
namespace {

class SqlRewriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*DuckDatabase::OpenInMemory());
    conn_ = std::move(*DuckConnection::Open(*db_));
  }
  Result<RewrittenQuery> Rewrite(const std::string& sql) {
    return RewriteQuery(conn_.get(), sql, "mydb", [](const std::string& db, const std::string& m) {
      return (db == "mydb" || db == "other") && (m == "cpu" || m == "mem");
    });
  }
  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
};

int64_t Hour(const char* ts) { return HourOf(*ParseTimestampLiteral(ts)); }

TEST_F(SqlRewriteTest, BareAndQualifiedNamesInJoinsSubqueriesAndCtes) {
  auto r = Rewrite("WITH x AS (SELECT * FROM cpu) SELECT * FROM x JOIN other.mem m USING (host) "
                   "WHERE host IN (SELECT host FROM mydb.cpu)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tables.size(), 3u);
  std::set<std::string> names;
  for (const TableRef& t : r->tables) names.insert(t.database + "." + t.measurement);
  EXPECT_EQ(names, (std::set<std::string>{"mydb.cpu", "other.mem"}));
  auto sql = SpliceSources(conn_.get(), *r, {"SELECT 1 AS host", "SELECT 2 AS host", "SELECT 3 AS host"});
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(sql->find("other.mem"), std::string::npos) << *sql;
  EXPECT_EQ(sql->find("__arc_view_"), std::string::npos) << *sql;
  EXPECT_NE(sql->find("AS m"), std::string::npos) << "aliases kept: " << *sql;
  EXPECT_NE(sql->find("SELECT 2 AS host"), std::string::npos) << *sql;
}

TEST_F(SqlRewriteTest, UnknownNamesAreRefusedByName) {
  // Regression: unknown names used to reach DuckDB, which could then read its own catalogue
  // (duckdb_settings, information_schema) or report absolute paths.
  auto r = Rewrite("SELECT * FROM nosuch");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no measurement nosuch in database mydb"), std::string::npos)
      << r.status().ToString();
  auto qualified = Rewrite("SELECT * FROM mydb.nope");
  ASSERT_FALSE(qualified.ok());
  EXPECT_NE(qualified.status().message().find("nope"), std::string::npos) << qualified.status().ToString();
  auto cte = Rewrite("WITH nosuch AS (SELECT 1 AS v) SELECT * FROM nosuch");
  ASSERT_TRUE(cte.ok()) << cte.status().ToString();
  EXPECT_TRUE(cte->tables.empty());
}

TEST_F(SqlRewriteTest, TimeBoundsFromTheWhereOfTheReadingSelect) {
  auto r = Rewrite("SELECT count(*) FROM cpu WHERE host = 'a' AND time >= '2024-01-01 03:00:00' "
                   "AND time < TIMESTAMP '2024-01-01 05:00:00'");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->tables.size(), 1u);
  EXPECT_EQ(r->tables[0].min_hour, Hour("2024-01-01 03:00:00"));
  EXPECT_EQ(r->tables[0].max_hour, Hour("2024-01-01 04:00:00")) << "strict < at an hour boundary";
  auto between = Rewrite("SELECT * FROM cpu WHERE time BETWEEN '2024-01-01 03:30:00' AND '2024-01-01 04:10:00'");
  EXPECT_EQ(between->tables[0].min_hour, Hour("2024-01-01 03:00:00"));
  EXPECT_EQ(between->tables[0].max_hour, Hour("2024-01-01 04:00:00"));
  auto flipped = Rewrite("SELECT * FROM cpu WHERE '2024-01-01 03:30:00' <= time");
  EXPECT_EQ(flipped->tables[0].min_hour, Hour("2024-01-01 03:00:00"));
  EXPECT_FALSE(flipped->tables[0].max_hour.has_value());
}

TEST_F(SqlRewriteTest, NoPruningWhenItWouldBeWrong) {
  // OR, a time bound in another SELECT, a non-constant bound: read every hour.
  for (const char* sql : {
           "SELECT * FROM cpu WHERE time > '2024-01-01' OR host = 'a'",
           "SELECT * FROM cpu WHERE host IN (SELECT host FROM mem WHERE time > '2024-01-01')",
           "SELECT * FROM cpu WHERE time > now() - INTERVAL 1 HOUR",
           "SELECT * FROM cpu UNION ALL SELECT * FROM mem WHERE time > '2024-01-01'"}) {
    auto r = Rewrite(sql);
    ASSERT_TRUE(r.ok()) << sql;
    EXPECT_FALSE(r->tables[0].min_hour.has_value()) << sql;
    EXPECT_FALSE(r->tables[0].max_hour.has_value()) << sql;
  }
}

TEST_F(SqlRewriteTest, RejectsWhatIsNotOneSelect) {
  for (const char* sql : {"COPY (SELECT 1) TO '/tmp/x.csv'", "ATTACH '/tmp/x.db'", "SELECT 1; SELECT 2",
                          "SELECT 1; DROP TABLE cpu", "INSTALL httpfs", "PRAGMA version"}) {
    auto r = Rewrite(sql);
    EXPECT_FALSE(r.ok()) << sql;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << sql;
  }
  auto bad = Rewrite("SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("syntax error"), std::string::npos);
}

// Regression (issue 14): SELECT current_query() FROM cpu answered the rewritten SQL, with
// the absolute paths of the data directory's files; current_database() answered "memory".
TEST_F(SqlRewriteTest, RefusesFunctionsThatRevealTheRewriteOrDuckDBsCatalogue) {
  for (const char* sql : {"SELECT current_query() FROM cpu", "SELECT current_database()",
                          "SELECT CURRENT_SCHEMA()", "SELECT current_schemas(true)",
                          "SELECT current_setting('memory_limit')"}) {
    auto r = Rewrite(sql);
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_NE(r.status().message().find("() is not allowed"), std::string::npos)
        << sql << ": " << r.status().message();
  }
}

// Regression (issue 14): SELECT * FROM (SHOW DATABASES) answered DuckDB's "memory", and
// EXPLAIN SHOW TABLES its catalogue plan. A SHOW over a query reads only measurements.
TEST_F(SqlRewriteTest, ShowOfDuckDBsCatalogueInsideAQueryIsRefused) {
  for (const char* sql : {"SELECT * FROM (SHOW DATABASES)", "SELECT * FROM (SHOW TABLES)",
                          "SELECT * FROM (SHOW ALL TABLES)", "SHOW TABLES",
                          "SELECT * FROM cpu WHERE host IN (SELECT name FROM (SHOW TABLES))"}) {
    auto r = Rewrite(sql);
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_NE(r.status().message().find("SHOW inside a query is not allowed"), std::string::npos)
        << sql << ": " << r.status().message();
  }
  for (const char* sql : {"SELECT * FROM (DESCRIBE cpu)", "SUMMARIZE cpu",
                          "DESCRIBE SELECT host FROM cpu"}) {
    EXPECT_TRUE(Rewrite(sql).ok()) << sql << ": " << Rewrite(sql).status().ToString();
  }
}

// The engine binds $arc_files_<k> itself (the file lists): a client's parameter, which it could
// never bind, would otherwise name the engine's (SELECT $arc_files_0 FROM cpu: the paths).
TEST_F(SqlRewriteTest, QueryParametersAreRefused) {
  for (const char* sql : {"SELECT $arc_files_0 FROM cpu", "SELECT ? FROM cpu", "SELECT $1",
                          "SELECT * FROM cpu WHERE host = $h"}) {
    auto r = Rewrite(sql);
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_NE(r.status().message().find("query parameters"), std::string::npos)
        << sql << ": " << r.status().message();
  }
}

TEST(TimestampLiteralTest, Forms) {
  EXPECT_EQ(*ParseTimestampLiteral("1970-01-01"), 0);
  EXPECT_EQ(*ParseTimestampLiteral("1970-01-01 00:00:01"), 1000000);
  EXPECT_EQ(*ParseTimestampLiteral("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(*ParseTimestampLiteral("1970-01-01 02:00:00+02"), 0);
  EXPECT_FALSE(ParseTimestampLiteral("yesterday").has_value());
  EXPECT_FALSE(ParseTimestampLiteral("2024-01-01 junk").has_value());
}

// Regression (found by sql_rewrite_fuzz): a second of 1e300, NaN or inf was converted to int64
// (undefined behaviour). Out-of-range fields now mean "no pruning".
TEST(TimestampLiteralTest, OutOfRangeFieldsAreNotTimestamps) {
  for (const char* text : {"2024-01-01 00:00:1e300", "2024-01-01 00:00:nan", "2024-01-01 00:00:inf",
                           "2024-01-01 00:00:-1", "2024-13-01", "2024-01-32", "2024-01-01 24:00:00",
                           "2024-01-01 00:60:00", "2024-01-01 00:00:00+99:00"}) {
    EXPECT_FALSE(ParseTimestampLiteral(text).has_value()) << text;
  }
  EXPECT_TRUE(ParseTimestampLiteral("2024-02-29 23:59:60.5").has_value()) << "a leap second";
}

}  // namespace
}  // namespace arc
