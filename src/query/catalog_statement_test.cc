#include "query/catalog_statement.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

using Kind = CatalogStatement::Kind;

CatalogStatement Parse(std::string_view sql) {
  Result<std::optional<CatalogStatement>> r = ParseCatalogStatement(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  EXPECT_TRUE(r.ok() && r->has_value()) << sql << " was not recognised";
  return r.ok() && r->has_value() ? **r : CatalogStatement{Kind::kDescribe, "?", false, "?"};
}

std::string Refusal(std::string_view sql) {
  Result<std::optional<CatalogStatement>> r = ParseCatalogStatement(sql);
  EXPECT_FALSE(r.ok()) << sql << " was accepted";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

bool NotOurs(std::string_view sql) {
  Result<std::optional<CatalogStatement>> r = ParseCatalogStatement(sql);
  return r.ok() && !r->has_value();
}

TEST(CatalogStatementTest, ShowDatabasesInAnySpelling) {
  for (const char* sql : {"SHOW DATABASES", "show databases", "  Show\n\tDataBases ; ",
                          "SHOW DATABASES;", "/* hi */ SHOW -- list\n DATABASES"}) {
    EXPECT_EQ(Parse(sql).kind, Kind::kShowDatabases) << sql;
  }
}

TEST(CatalogStatementTest, ShowTablesAndMeasurementsWithOptionalDatabase) {
  CatalogStatement s = Parse("SHOW TABLES");
  EXPECT_EQ(s.kind, Kind::kShowTables);
  EXPECT_EQ(s.database, "");
  EXPECT_FALSE(s.all_databases);
  s = Parse("show measurements from mydb;");
  EXPECT_EQ(s.kind, Kind::kShowTables);
  EXPECT_EQ(s.database, "mydb");
  EXPECT_EQ(Parse("SHOW TABLES IN other-db").database, "other-db");
  EXPECT_EQ(Parse("SHOW TABLES FROM \"quoted\"").database, "quoted");
  EXPECT_EQ(Parse("SHOW TABLES FROM 'single'").database, "single");
  EXPECT_EQ(Parse("SHOW TABLES FROM `back`").database, "back");
  s = Parse("SHOW ALL TABLES");
  EXPECT_EQ(s.kind, Kind::kShowTables);
  EXPECT_TRUE(s.all_databases);
}

TEST(CatalogStatementTest, BadDatabaseNamesAreNamed) {
  EXPECT_NE(Refusal("SHOW TABLES FROM ../etc").find("invalid database name \"../etc\""),
            std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES FROM a.b").find("\"a.b\""), std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES FROM \"a b\"").find("invalid database name \"a b\""),
            std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES FROM 1db").find("must start with a letter"), std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES FROM \"unterminated").find("unterminated"), std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES FROM").find("needs a database name"), std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES FROM ;").find("needs a database name"), std::string::npos);
}

TEST(CatalogStatementTest, TrailingWordsAndOtherShowsAreRefused) {
  EXPECT_NE(Refusal("SHOW DATABASES; SELECT 1").find("unexpected \"SELECT 1\""), std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES FROM db WHERE x").find("unexpected \"WHERE x\""), std::string::npos);
  EXPECT_NE(Refusal("SHOW TABLES LIKE 'c%'").find("expected FROM db"), std::string::npos);
  for (const char* sql : {"SHOW", "SHOW ALL", "SHOW ALL SETTINGS", "SHOW cpu", "SHOW SCHEMAS",
                          "SHOW DATABASE"}) {
    EXPECT_NE(Refusal(sql).find("supported are SHOW DATABASES"), std::string::npos) << sql;
  }
  EXPECT_NE(Refusal("PRAGMA database_list").find("PRAGMA is not supported"), std::string::npos);
  EXPECT_NE(Refusal("pragma show_tables;").find("PRAGMA is not supported"), std::string::npos);
}

TEST(CatalogStatementTest, DescribeTakesAMeasurement) {
  CatalogStatement s = Parse("DESCRIBE cpu");
  EXPECT_EQ(s.kind, Kind::kDescribe);
  EXPECT_EQ(s.database, "");
  EXPECT_EQ(s.measurement, "cpu");
  s = Parse("desc table mydb.cpu;");
  EXPECT_EQ(s.database, "mydb");
  EXPECT_EQ(s.measurement, "cpu");
  s = Parse("DESCRIBE \"mydb\".\"cpu-1\"");
  EXPECT_EQ(s.database, "mydb");
  EXPECT_EQ(s.measurement, "cpu-1");
  EXPECT_NE(Refusal("DESCRIBE").find("needs a measurement"), std::string::npos);
  EXPECT_NE(Refusal("DESCRIBE a.b.c").find("expected measurement or db.measurement"),
            std::string::npos);
  EXPECT_NE(Refusal("DESCRIBE ../x").find("invalid measurement \"../x\""), std::string::npos);
  EXPECT_NE(Refusal("DESCRIBE ../x.cpu").find("invalid measurement \"../x.cpu\""), std::string::npos);
  EXPECT_NE(Refusal("DESCRIBE a/b.cpu").find("invalid database name \"a/b\""), std::string::npos);
  EXPECT_NE(Refusal("DESCRIBE db.9x").find("invalid measurement name \"9x\""), std::string::npos);
}

TEST(CatalogStatementTest, OtherStatementsAreNotOurs) {
  for (const char* sql : {"SELECT 1", "  select * from cpu", "WITH x AS (SELECT 1) SELECT * FROM x",
                          "EXPLAIN SELECT 1", "SHOWS", "DESCRIBED", "", "   ", "-- only a comment",
                          // DESCRIBE of a query and SUMMARIZE read measurements: the SQL path.
                          "DESCRIBE SELECT * FROM cpu", "describe (SELECT 1)", "DESC WITH x AS (SELECT 1) SELECT * FROM x",
                          "SUMMARIZE cpu",
                          "/* unterminated SHOW DATABASES"}) {
    EXPECT_TRUE(NotOurs(sql)) << sql;
  }
}

}  // namespace
}  // namespace arc
