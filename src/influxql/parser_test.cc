#include "influxql/parser.h"

#include <gtest/gtest.h>

namespace arc::influxql {
namespace {

std::vector<Statement> Parse(const std::string& text) {
  Result<std::vector<Statement>> r = ParseQuery(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? std::move(*r) : std::vector<Statement>{};
}

const SelectStatement& Select(const std::vector<Statement>& s, size_t i = 0) {
  return std::get<SelectStatement>(s.at(i));
}

std::string Error(const std::string& text) {
  Result<std::vector<Statement>> r = ParseQuery(text);
  EXPECT_FALSE(r.ok()) << text << " parsed";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(InfluxParserTest, FullSelectStatement) {
  const std::vector<Statement> st = Parse(
      "SELECT mean(\"usage_user\") AS m, MAX(v) FROM \"telegraf\".\"autogen\".\"cpu\" "
      "WHERE host =~ /^web/ AND time > now() - 1h GROUP BY time(5m, 1m), host fill(previous) "
      "ORDER BY time DESC LIMIT 10 OFFSET 2 SLIMIT 3 SOFFSET 1 tz('UTC')");
  ASSERT_EQ(st.size(), 1u);
  const SelectStatement& s = Select(st);
  ASSERT_EQ(s.fields.size(), 2u);
  EXPECT_EQ(s.fields[0].expr->kind, ExprKind::kCall);
  EXPECT_EQ(s.fields[0].expr->text, "mean");
  EXPECT_EQ(s.fields[0].alias, "m");
  EXPECT_EQ(s.fields[1].expr->text, "max") << "call names are lower-cased";
  EXPECT_EQ(s.fields[1].expr->ToString(), "max(v)");
  ASSERT_EQ(s.sources.size(), 1u);
  EXPECT_EQ(s.sources[0].database, "telegraf");
  EXPECT_EQ(s.sources[0].retention_policy, "autogen");
  EXPECT_EQ(s.sources[0].measurement, "cpu");
  ASSERT_NE(s.where, nullptr);
  EXPECT_EQ(s.where->ToString(), "host =~ /^web/ AND time > now() - 3600000000000ns");
  EXPECT_EQ(s.interval_ns, 300000000000);
  EXPECT_EQ(s.offset_ns, 60000000000);
  EXPECT_EQ(s.group_tags, std::vector<std::string>{"host"});
  EXPECT_EQ(s.fill, FillMode::kPrevious);
  EXPECT_TRUE(s.descending);
  EXPECT_EQ(s.limit, 10);
  EXPECT_EQ(s.offset, 2);
  EXPECT_EQ(s.slimit, 3);
  EXPECT_EQ(s.soffset, 1);
  EXPECT_EQ(s.tz, "UTC");
}

TEST(InfluxParserTest, SourcesRegexesAndSubqueries) {
  EXPECT_EQ(Select(Parse("select * from db..cpu")).sources[0].database, "db");
  EXPECT_EQ(Select(Parse("select * from db..cpu")).sources[0].measurement, "cpu");
  EXPECT_EQ(Select(Parse("SELECT * FROM rp.cpu")).sources[0].retention_policy, "rp");
  const Source re = std::move(Select(Parse("SELECT * FROM \"db\".\"rp\"./^c.*/")).sources[0]);
  EXPECT_EQ(re.database, "db");
  EXPECT_EQ(re.retention_policy, "rp");
  EXPECT_EQ(re.regex, "^c.*");
  const std::vector<Statement> two = Parse("SELECT v FROM cpu, /^mem/");
  EXPECT_EQ(Select(two).sources.size(), 2u);
  const std::vector<Statement> sub = Parse("SELECT max(m) FROM (SELECT mean(v) AS m FROM cpu GROUP BY time(1m))");
  ASSERT_NE(Select(sub).sources[0].subquery, nullptr);
  EXPECT_EQ(Select(sub).sources[0].subquery->fields[0].alias, "m");
  EXPECT_EQ(Select(sub).sources[0].subquery->interval_ns, 60000000000);
  EXPECT_EQ(Error("SELECT * FROM a.b.c.d"), "error parsing query: found d, expected measurement at char 21");
}

TEST(InfluxParserTest, ExpressionsPrecedenceCastsAndLiterals) {
  const SelectStatement s =
      std::move(std::get<SelectStatement>(Parse("SELECT \"v\"::float, host::tag, -5, -1.5, -(a) FROM m "
                                                "WHERE a = 1 OR b = 2 AND c = 3")[0]));
  EXPECT_EQ(s.fields[0].expr->cast, IdentCast::kFloat);
  EXPECT_EQ(s.fields[1].expr->cast, IdentCast::kTag);
  EXPECT_EQ(s.fields[2].expr->kind, ExprKind::kInteger);
  EXPECT_EQ(s.fields[2].expr->integer, -5);
  EXPECT_EQ(s.fields[3].expr->kind, ExprKind::kNumber);
  EXPECT_DOUBLE_EQ(s.fields[3].expr->number, -1.5);
  EXPECT_EQ(s.fields[4].expr->kind, ExprKind::kUnaryMinus);
  // AND binds tighter than OR.
  ASSERT_EQ(s.where->op, BinaryOp::kOr);
  EXPECT_EQ(s.where->args[1]->op, BinaryOp::kAnd);
  EXPECT_EQ(s.where->args[0]->ToString(), "a = 1");
  const SelectStatement m = std::move(std::get<SelectStatement>(Parse("SELECT a + b * c FROM m")[0]));
  EXPECT_EQ(m.fields[0].expr->op, BinaryOp::kAdd);
  EXPECT_EQ(m.fields[0].expr->args[1]->op, BinaryOp::kMul);
  EXPECT_NE(Error("SELECT v::bogus FROM m").find("expected field, tag, integer, float, string or boolean"),
            std::string::npos);
}

TEST(InfluxParserTest, GroupByFillAndTail) {
  const SelectStatement a = std::move(std::get<SelectStatement>(
      Parse("SELECT count(v) FROM m GROUP BY time(1m, -30s), *, /^reg/ fill(-1.5)")[0]));
  EXPECT_EQ(a.offset_ns, -30000000000);
  EXPECT_TRUE(a.group_all_tags);
  EXPECT_EQ(a.group_tag_regexes, std::vector<std::string>{"^reg"});
  EXPECT_EQ(a.fill, FillMode::kValue);
  EXPECT_EQ(a.fill_value->kind, ExprKind::kNumber);
  EXPECT_DOUBLE_EQ(a.fill_value->number, -1.5);
  const SelectStatement b = std::move(std::get<SelectStatement>(Parse("SELECT count(v) FROM m GROUP BY time(1h) fill(0)")[0]));
  EXPECT_EQ(b.fill_value->kind, ExprKind::kInteger);
  EXPECT_EQ(b.fill_value->integer, 0);
  EXPECT_EQ(std::get<SelectStatement>(Parse("SELECT v FROM m fill(none)")[0]).fill, FillMode::kNone);
  EXPECT_EQ(std::get<SelectStatement>(Parse("SELECT v FROM m fill(linear)")[0]).fill, FillMode::kLinear);
  EXPECT_EQ(std::get<SelectStatement>(Parse("SELECT * INTO other..cpu FROM cpu")[0]).into, "other.cpu");
  EXPECT_EQ(Error("SELECT count(v) FROM m GROUP BY time"), "error parsing query: found EOF, expected ( at char 37");
  EXPECT_EQ(Error("SELECT * FROM cpu LIMIT -1"), "error parsing query: found -, expected integer at char 25");
  EXPECT_EQ(Error("SELECT * FROM cpu ORDER BY host"),
            "error parsing query: found host, expected time (only ORDER BY time is supported) at char 28");
  EXPECT_EQ(Error("SELECT * FROM cpu fill(sideways)"),
            "error parsing query: found sideways, expected null, none, previous, linear or a number at char 24");
}

TEST(InfluxParserTest, ErrorsNameWhatWasFoundAndWhere) {
  EXPECT_EQ(Error(""), "error parsing query: found EOF, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, "
                       "GRANT, REVOKE, ALTER, SET, KILL at char 1");
  EXPECT_EQ(Error("SELECT * FROM cpu WHERE"),
            "error parsing query: found EOF, expected identifier, string, number, bool at char 24");
  EXPECT_EQ(Error("SELECT a FROM cpu garbage"), "error parsing query: found garbage, expected ; at char 19");
  EXPECT_EQ(Error("SELCT * FROM cpu"),
            "error parsing query: found SELCT, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, "
            "REVOKE, ALTER, SET, KILL at char 1");
  EXPECT_EQ(Error("SELECT 'open FROM cpu"), "error parsing query: unterminated string at char 8");
  EXPECT_EQ(Error("SELECT * FROM cpu WHERE host =~ /open"), "error parsing query: unterminated regex at char 33");
}

TEST(InfluxParserTest, SeveralStatementsAndKeywordsWithoutCase) {
  const std::vector<Statement> st = Parse("select * from cpu;; SHOW databases ; show RETENTION policies on db;");
  ASSERT_EQ(st.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<SelectStatement>(st[0]));
  EXPECT_EQ(std::get<ShowStatement>(st[1]).kind, ShowKind::kDatabases);
  EXPECT_EQ(std::get<ShowStatement>(st[2]).kind, ShowKind::kRetentionPolicies);
  EXPECT_EQ(std::get<ShowStatement>(st[2]).database, "db");
}

TEST(InfluxParserTest, ShowStatements) {
  const ShowStatement tv = std::move(std::get<ShowStatement>(
      Parse("SHOW TAG VALUES ON db FROM cpu WITH KEY IN (\"host\", \"region\") WHERE region = 'eu' LIMIT 5 OFFSET 1")[0]));
  EXPECT_EQ(tv.kind, ShowKind::kTagValues);
  EXPECT_EQ(tv.database, "db");
  EXPECT_EQ(tv.sources[0].measurement, "cpu");
  EXPECT_EQ(tv.key_op, BinaryOp::kEq);
  EXPECT_EQ(tv.keys, (std::vector<std::string>{"host", "region"}));
  EXPECT_EQ(tv.where->ToString(), "region = 'eu'");
  EXPECT_EQ(tv.limit, 5);
  EXPECT_EQ(tv.offset, 1);
  const ShowStatement re = std::move(std::get<ShowStatement>(Parse("SHOW TAG VALUES WITH KEY =~ /^h/")[0]));
  EXPECT_EQ(re.key_op, BinaryOp::kEqRegex);
  EXPECT_EQ(re.keys, std::vector<std::string>{"^h"});
  EXPECT_EQ(Error("SHOW TAG VALUES FROM cpu"), "error parsing query: found EOF, expected WITH KEY at char 25");
  const ShowStatement m = std::move(std::get<ShowStatement>(Parse("SHOW MEASUREMENTS WITH MEASUREMENT =~ /cpu.*/ LIMIT 2")[0]));
  EXPECT_EQ(m.kind, ShowKind::kMeasurements);
  EXPECT_EQ(m.measurement_op, BinaryOp::kEqRegex);
  EXPECT_EQ(m.measurement_value, "cpu.*");
  EXPECT_EQ(m.limit, 2);
  const ShowStatement fk = std::move(std::get<ShowStatement>(Parse("SHOW FIELD KEYS ON \"db\" FROM cpu, mem")[0]));
  EXPECT_EQ(fk.kind, ShowKind::kFieldKeys);
  EXPECT_EQ(fk.sources.size(), 2u);
  EXPECT_EQ(std::get<ShowStatement>(Parse("SHOW TAG KEYS")[0]).kind, ShowKind::kTagKeys);
  EXPECT_EQ(std::get<ShowStatement>(Parse("SHOW SERIES FROM cpu WHERE host = 'a'")[0]).kind, ShowKind::kSeries);
  EXPECT_EQ(Error("SHOW TAG FOO"), "error parsing query: found FOO, expected KEYS or VALUES at char 10");
}

TEST(InfluxParserTest, CreateDropAndUnsupportedStatements) {
  const std::vector<Statement> st =
      Parse("CREATE DATABASE foo WITH DURATION 1d; DROP MEASUREMENT \"cpu load\"; DROP DATABASE foo; "
            "DROP SERIES FROM cpu; CREATE USER bob WITH PASSWORD 'x'; DELETE FROM cpu; SHOW USERS");
  ASSERT_EQ(st.size(), 7u);
  EXPECT_EQ(std::get<CreateDatabaseStatement>(st[0]).name, "foo");
  EXPECT_EQ(std::get<DropStatement>(st[1]).kind, DropKind::kMeasurement);
  EXPECT_EQ(std::get<DropStatement>(st[1]).name, "cpu load");
  EXPECT_EQ(std::get<DropStatement>(st[2]).kind, DropKind::kDatabase);
  EXPECT_EQ(std::get<UnsupportedStatement>(st[3]).what, "DROP SERIES FROM CPU");
  EXPECT_EQ(std::get<UnsupportedStatement>(st[4]).what, "CREATE USER BOB WITH PASSWORD");
  EXPECT_EQ(std::get<UnsupportedStatement>(st[5]).what, "DELETE FROM CPU");
  EXPECT_EQ(std::get<UnsupportedStatement>(st[6]).what, "SHOW USERS");
}

TEST(InfluxParserTest, DeepNestingIsRefusedNotACrash) {
  // A client can send any text: nesting must end in an error, not exhaust the stack (here or
  // in the recursive walks of the tree: Clone, ToString, the destructor).
  const std::string parens = "SELECT " + std::string(100000, '(') + "v" + std::string(100000, ')') + " FROM m";
  EXPECT_NE(Error(parens).find("levels of nesting"), std::string::npos);
  std::string minus = "SELECT ";  // "- " apart: "--" starts a comment
  for (int i = 0; i < 100000; ++i) minus += "- ";
  minus += "v FROM m";
  EXPECT_NE(Error(minus).find("levels of nesting"), std::string::npos);
  std::string subqueries = "SELECT * FROM ";
  for (int i = 0; i < 1000; ++i) subqueries += "(SELECT * FROM ";
  EXPECT_NE(Error(subqueries + "m").find("levels of nesting"), std::string::npos);
  std::string chain = "SELECT v + v";
  for (int i = 0; i < 100000; ++i) chain += " + v";
  EXPECT_NE(Error(chain + " FROM m").find("operators in a chain"), std::string::npos);
  // AND/OR lists of any length are balanced trees (log2(n) high), never refused.
  std::string hosts = "SELECT v FROM m WHERE host = 'h0'";
  for (int i = 1; i < 100000; ++i) hosts += " OR host = 'h" + std::to_string(i) + "'";
  const std::vector<Statement> parsed = Parse(hosts);
  ASSERT_EQ(parsed.size(), 1u);
  EXPECT_LE(std::get<SelectStatement>(parsed[0]).where->height, 20);
}

}  // namespace
}  // namespace arc::influxql
