#include "lifecycle/delete_predicate.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

class DeletePredicateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*DuckDatabase::OpenInMemory({{"threads", "1"}}));
    conn_ = std::move(*DuckConnection::Open(*db_));
  }
  Result<DeletePredicate> Parse(const std::string& where) {
    return ParseDeletePredicate(conn_.get(), where);
  }
  std::string Error(const std::string& where) {
    Result<DeletePredicate> p = Parse(where);
    EXPECT_FALSE(p.ok()) << where << " was accepted as " << (p.ok() ? p->sql : "");
    if (p.ok()) return "";
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << p.status().ToString();
    return p.status().message();
  }

  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
};

TEST_F(DeletePredicateTest, AcceptsConditionsAndRendersThemWithoutTheClientsText) {
  Result<DeletePredicate> p =
      Parse("host = 'a' -- trailing comment\n AND time < now() - INTERVAL 1 DAY");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->sql.find("comment"), std::string::npos) << p->sql;
  EXPECT_EQ(p->sql.front(), '(');
  EXPECT_TRUE(p->has_time_bound);
  EXPECT_EQ(p->columns, (std::vector<std::string>{"host", "time"}));
  for (const char* ok : {"v BETWEEN 1 AND 2", "host IN ('a', 'b') OR region IS NULL", "NOT (v > 1)",
                         "host LIKE 'web-%'", "host ~ 'h[0-9]'", "lower(host) = 'a'",
                         "CASE WHEN v > 1 THEN true ELSE false END", "coalesce(v, 0) > 1",
                         "CAST(v AS DOUBLE) > 0.5", "\"weird name\" = 'x'", "epoch_ms(time) > 0"}) {
    Result<DeletePredicate> q = Parse(ok);
    EXPECT_TRUE(q.ok()) << ok << ": " << q.status().ToString();
    if (q.ok()) {
      EXPECT_FALSE(q->has_time_bound) << ok;
    }
  }
}

TEST_F(DeletePredicateTest, FindsATimeBoundOnlyInTheTopLevelAndChain) {
  EXPECT_TRUE(Parse("time BETWEEN '2026-01-01' AND '2026-01-02'")->has_time_bound);
  EXPECT_TRUE(Parse("host = 'a' AND (v > 1 AND time >= '2026-01-01')")->has_time_bound);
  EXPECT_TRUE(Parse("'2026-01-01' > \"TIME\"")->has_time_bound);
  EXPECT_FALSE(Parse("host = 'a' OR time < '2026-01-01'")->has_time_bound);
  EXPECT_FALSE(Parse("time < other_time")->has_time_bound);
  EXPECT_FALSE(Parse("time IS NOT NULL")->has_time_bound);
}

TEST_F(DeletePredicateTest, RefusesEverythingButOneCondition) {
  EXPECT_NE(Error("").find("required"), std::string::npos);
  EXPECT_NE(Error(std::string(kMaxDeletePredicateBytes + 1, ' ') + "1=1").find("longer"),
            std::string::npos);
  EXPECT_NE(Error(std::string("a = 'x\0y'", 9)).find("NUL"), std::string::npos);
  for (const char* bad : {"1=1; DROP TABLE t",
                          "1=1; SELECT 1",
                          "1=1 UNION SELECT 1",
                          "1 ORDER BY 1",
                          "1 LIMIT 1",
                          "1 FROM t",
                          "a, b",
                          "x) OR (1=1",
                          "v IN (SELECT 1)",
                          "EXISTS (SELECT 1)",
                          "read_csv('/etc/passwd') IS NULL",
                          "getenv('HOME') = 'x'",
                          "current_setting('threads') = '1'",
                          "count(*) > 0",
                          "sum(v) OVER () > 1",
                          "random() < 0.5",
                          "t.host = 'a'",
                          "main.lower(host) = 'a'",
                          "host = 'a' AS x",
                          "* = 1",
                          "COLUMNS('.*') = 1",
                          "(SELECT 1) = 1",
                          "lower(host ORDER BY host) = 'a'",
                          "$1 = 1",
                          "? = 1",
                          "ATTACH 'x'",
                          "x -> x + 1 = 1"}) {
    SCOPED_TRACE(bad);
    Error(bad);
  }
}

}  // namespace
}  // namespace arc
