#include "query/result_json.h"

#include <gtest/gtest.h>

#include "query/streaming_select.h"
#include "storage/duckdb_util.h"

namespace arc {
namespace {

class ResultJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*DuckDatabase::OpenInMemory({{"memory_limit", "256MB"}, {"threads", "1"}}));
    conn_ = std::move(*DuckConnection::Open(*db_));
  }
  Result<EncodedResult> Encode(const std::string& sql, int64_t max_rows = 1000000,
                               uint64_t max_bytes = UINT64_MAX) {
    duckdb_result result;
    bool invalidates = false;
    Status st = RunStreamingSelect(conn_->handle(), sql, &result, &invalidates);
    if (!st.ok()) return st;
    Result<EncodedResult> out = EncodeResult(&result, max_rows, max_bytes);
    duckdb_destroy_result(&result);
    return out;
  }
  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
};

TEST_F(ResultJsonTest, EncodesTypesAsTheEndpointPromises) {
  auto r = Encode(
      "SELECT 1::INTEGER AS i, 2.5::DOUBLE AS d, 'a\"b' AS s, NULL::INTEGER AS n, "
      "'nan'::DOUBLE AS nan, TIMESTAMP '2024-01-02 03:04:05.123456' AS t, true AS b");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->columns, (std::vector<std::string>{"i", "d", "s", "n", "nan", "t", "b"}));
  EXPECT_EQ(r->rows, 1);
  EXPECT_EQ(r->data_json, R"([[1,2.5,"a\"b",null,null,"2024-01-02T03:04:05.123456Z",true]])");
}

TEST_F(ResultJsonTest, RowAndByteCapsNameTheSetting) {
  auto rows = Encode("SELECT * FROM range(5000)", 4999);
  ASSERT_FALSE(rows.ok());
  EXPECT_NE(rows.status().message().find("query.max_rows"), std::string::npos);
  auto bytes = Encode("SELECT repeat('x', 1000) FROM range(5000)", 1000000, 100000);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("query.max_result_bytes"), std::string::npos);
  EXPECT_TRUE(Encode("SELECT * FROM range(5000)", 5000).ok());
}

// The byte cap stops the engine as well: a result far larger than the memory limit is never
// materialised (before streaming, DuckDB built it whole before the cap was looked at).
TEST_F(ResultJsonTest, AHugeResultStopsAtTheCapWithoutBeingMaterialised) {
  auto r = Encode("SELECT repeat('x', 1000) AS s FROM range(10000000)", INT64_MAX, 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("query.max_result_bytes"), std::string::npos)
      << r.status().ToString();
}

// Regression: an error in a later chunk of a streaming result ended the fetch loop quietly,
// and the rows before it passed for the whole answer.
TEST_F(ResultJsonTest, AnErrorPartWayIsAnErrorNotAShortResult) {
  // Not constant (folded at planning) and late enough that the first chunks were fetched.
  auto r = Encode(
      "SELECT CAST(CASE WHEN i < 3000000 THEN i::VARCHAR ELSE 'x' || i::VARCHAR END AS INTEGER) "
      "AS v FROM range(10000000) t(i)",
      INT64_MAX);
  ASSERT_FALSE(r.ok()) << "rows=" << r->rows;
  EXPECT_NE(r.status().message().find("SQL error"), std::string::npos) << r.status().ToString();
}

TEST_F(ResultJsonTest, OnlySelectAndExplainRun) {
  duckdb_result result;
  bool invalidates = false;
  Status st =
      RunStreamingSelect(conn_->handle(), "CREATE TABLE t (x INTEGER)", &result, &invalidates);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("only read-only SELECT"), std::string::npos);
  EXPECT_FALSE(conn_->Execute("SELECT * FROM t").ok()) << "the table was never created";
  ASSERT_TRUE(RunStreamingSelect(conn_->handle(), "EXPLAIN SELECT 1", &result, &invalidates).ok());
  duckdb_destroy_result(&result);
  Status bad = RunStreamingSelect(conn_->handle(), "SELEC 1", &result, &invalidates);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(invalidates);
}

}  // namespace
}  // namespace arc
