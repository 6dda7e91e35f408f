#include "storage/lazy_duck_connection.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace arc {
namespace {

std::string Setting(DuckConnection* conn, const std::string& name) {
  duckdb_result r;
  EXPECT_EQ(
      duckdb_query(conn->handle(), ("SELECT current_setting('" + name + "')::VARCHAR").c_str(), &r),
      DuckDBSuccess);
  char* v = duckdb_value_varchar(&r, 0, 0);
  std::string out = v == nullptr ? "" : v;
  duckdb_free(v);
  duckdb_destroy_result(&r);
  return out;
}

TEST(LazyDuckConnectionTest, OpensOnFirstUseWithItsOptionsAndOnlyOnce) {
  LazyDuckConnection lazy(LazyDuckConnection::Options{{"threads", "1"}, {"memory_limit", "64MB"}});
  EXPECT_FALSE(lazy.opened());
  lazy.Interrupt();  // nothing open: nothing to stop, and nothing gets opened
  EXPECT_FALSE(lazy.opened());
  Result<DuckConnection*> first = lazy.Get();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(lazy.opened());
  EXPECT_EQ(Setting(*first, "threads"), "1");
  EXPECT_EQ(Setting(*first, "TimeZone"), "UTC");
  Result<DuckConnection*> second = lazy.Get();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
}

TEST(LazyDuckConnectionTest, AFailedOpenIsReportedAndTriedAgain) {
  LazyDuckConnection lazy(LazyDuckConnection::Options{{"memory_limit", "not a size"}});
  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<DuckConnection*> conn = lazy.Get();
    ASSERT_FALSE(conn.ok());
    EXPECT_FALSE(conn.status().message().empty());
    EXPECT_FALSE(lazy.opened());
  }
}

TEST(LazyDuckConnectionTest, ConcurrentFirstUsesShareOneConnection) {
  LazyDuckConnection lazy(LazyDuckConnection::Options{{"threads", "1"}});
  std::vector<DuckConnection*> got(4, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<DuckConnection*> c = lazy.Get();
      if (c.ok()) got[i] = *c;
      lazy.Interrupt();
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_NE(got[0], nullptr);
  for (DuckConnection* c : got) EXPECT_EQ(c, got[0]);
  // An interrupt of an idle connection does not stop its next statement.
  EXPECT_EQ(Setting(got[0], "threads"), "1");
}

}  // namespace
}  // namespace arc
