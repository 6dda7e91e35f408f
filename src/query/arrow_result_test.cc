#include "query/arrow_result.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "arrow_format_generated.h"
#include "query/arrow_ipc.h"
#include "query/streaming_select.h"
#include "storage/duckdb_util.h"

namespace arc {
namespace {

namespace fb = arrowfmt;

class ArrowResultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*DuckDatabase::OpenInMemory({{"memory_limit", "256MB"}, {"threads", "1"}}));
    conn_ = std::move(*DuckConnection::Open(*db_));
  }

  // Streams `sql` (made Arrow-compatible first); records the calls in order.
  Status Stream(const std::string& sql, ArrowStreamLimits limits = {}) {
    calls_.clear();
    stream_.clear();
    duckdb_result result;
    bool invalidates = false;
    const std::string compatible = ArrowCompatibleSql(conn_->handle(), sql);
    ARC_RETURN_IF_ERROR(RunStreamingSelect(conn_->handle(), compatible, &result, &invalidates));
    Status st = StreamArrowResult(
        &result, limits,
        [&] {
          calls_.push_back("ready");
          return Status::OK();
        },
        [&](std::string_view piece) {
          calls_.push_back("piece");
          stream_.append(piece);
          return Status::OK();
        });
    duckdb_destroy_result(&result);
    return st;
  }

  // The stream's messages' header types and row counts, "eos" last when it ends properly.
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos + 8 <= stream_.size()) {
      uint32_t len = 0;
      std::memcpy(&len, stream_.data() + pos + 4, 4);
      pos += 8;
      if (len == 0) {
        out.push_back("eos");
        break;
      }
      const fb::Message* m = fb::GetMessage(stream_.data() + pos);
      pos += len + static_cast<size_t>(m->bodyLength());
      out.push_back(m->header_type() == fb::MessageHeader_Schema
                        ? "schema"
                        : "batch " + std::to_string(m->header_as_RecordBatch()->length()));
    }
    return out;
  }

  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
  std::vector<std::string> calls_;
  std::string stream_;
};

TEST_F(ArrowResultTest, StreamsTheSchemaThenOneBatchPerChunkThenTheEndMarker) {
  ASSERT_TRUE(Stream("SELECT range AS i, range::VARCHAR AS s FROM range(5000)").ok());
  EXPECT_EQ(Messages(), (std::vector<std::string>{"schema", "batch 2048", "batch 2048", "batch 904", "eos"}));
  EXPECT_EQ(calls_.front(), "ready");
  EXPECT_EQ(calls_.back(), "piece");
}

TEST_F(ArrowResultTest, SendsPiecesOfAboutTheConfiguredSizeAsRowsAreFetched) {
  ArrowStreamLimits limits;
  limits.piece_bytes = 64 * 1024;
  ASSERT_TRUE(Stream("SELECT range AS i FROM range(100000)", limits).ok());
  // 100,000 int64 are 800 KB: several pieces, never one whole result.
  EXPECT_GT(std::count(calls_.begin(), calls_.end(), "piece"), 8);
}

TEST_F(ArrowResultTest, AnEmptyResultIsTheSchemaAndTheEndMarker) {
  ASSERT_TRUE(Stream("SELECT 1 AS a WHERE false").ok());
  EXPECT_EQ(Messages(), (std::vector<std::string>{"schema", "eos"}));
}

TEST_F(ArrowResultTest, AnErrorBeforeTheFirstRowsSendsNothing) {
  Status st = Stream("SELECT error('boom') FROM range(3)");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("boom"), std::string::npos) << st.message();
  EXPECT_TRUE(calls_.empty());
}

TEST_F(ArrowResultTest, MoreRowsThanTheLimitEndsTheStreamWithoutItsEndMarker) {
  ArrowStreamLimits limits;
  limits.max_rows = 3000;
  Status st = Stream("SELECT range AS i FROM range(10000)", limits);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("max_arrow_rows"), std::string::npos) << st.message();
  EXPECT_EQ(calls_.front(), "ready");
  const std::vector<std::string> msgs = Messages();
  EXPECT_TRUE(msgs.empty() || msgs.back() != "eos");
}

TEST_F(ArrowResultTest, ABatchLargerThanTheByteCapFails) {
  ArrowStreamLimits limits;
  limits.max_batch_bytes = 1000;
  EXPECT_FALSE(Stream("SELECT repeat('x', 100) AS s FROM range(100)", limits).ok());
}

TEST_F(ArrowResultTest, CastsTypesItDoesNotEncodeKeepingNamesAndOrder) {
  // (UHUGEINT, past Decimal128, becomes DOUBLE.)
  EXPECT_NE(ArrowCompatibleSql(conn_->handle(), "SELECT 1::UHUGEINT AS u").find("AS DOUBLE"), std::string::npos);
  const std::string sql = "SELECT sum(range) AS total, 1.5::DECIMAL(4,1) AS d, INTERVAL 1 DAY AS gap, "
                          "[1, 2] AS list, range % 2 AS \"odd name\" FROM range(4) GROUP BY range % 2 "
                          "ORDER BY 5 -- a trailing comment";
  ASSERT_TRUE(Stream(sql).ok());
  const std::vector<std::string> msgs = Messages();
  ASSERT_EQ(msgs.front(), "schema");
  const auto* fields = fb::GetMessage(stream_.data() + 8)->header_as_Schema()->fields();
  ASSERT_EQ(fields->size(), 5u);
  EXPECT_EQ(fields->Get(0)->name()->str(), "total");
  EXPECT_EQ(fields->Get(0)->type_type(), fb::Type_Decimal);  // HUGEINT: exact
  EXPECT_EQ(fields->Get(0)->type_as_Decimal()->precision(), 38);
  EXPECT_EQ(fields->Get(1)->type_type(), fb::Type_Decimal);
  EXPECT_EQ(fields->Get(1)->type_as_Decimal()->scale(), 1);
  EXPECT_EQ(fields->Get(2)->type_type(), fb::Type_Utf8);           // INTERVAL
  EXPECT_EQ(fields->Get(3)->type_type(), fb::Type_Utf8);           // LIST
  EXPECT_EQ(fields->Get(4)->name()->str(), "odd name");
  EXPECT_EQ(fields->Get(4)->type_type(), fb::Type_Int);
}

// Regression: a trailing semicolon (a query naming no measurement reaches the worker as
// written) broke the cast wrapper's parentheses.
TEST_F(ArrowResultTest, CastsQueriesEndingInSemicolonsAndComments) {
  for (const char* sql : {"SELECT sum(x) AS s FROM range(3) t(x);", "SELECT sum(x) AS s FROM range(3) t(x) ; ",
                          "SELECT sum(x) AS s FROM range(3) t(x); -- done\n", "SELECT sum(x) AS \"a;b\" FROM range(3) t(x) /* c */;",
                          "SELECT sum(x) AS s, ';--' AS t FROM range(3) t(x)"}) {
    EXPECT_TRUE(Stream(sql).ok()) << sql;
    EXPECT_EQ(Messages().back(), "eos") << sql;
  }
}

TEST_F(ArrowResultTest, LeavesQueriesOfEncodableTypesAndBadSqlAsTheyAre) {
  const std::string plain = "SELECT 1 AS a, 'x' AS b, now() AS c";
  EXPECT_EQ(ArrowCompatibleSql(conn_->handle(), plain), plain);
  const std::string bad = "SELEC 1";
  EXPECT_EQ(ArrowCompatibleSql(conn_->handle(), bad), bad);
  EXPECT_NE(ArrowCompatibleSql(conn_->handle(), "SELECT INTERVAL 1 DAY AS i").find("CAST"), std::string::npos);
  const std::string huge = "SELECT 1::HUGEINT AS h, 1.5::DECIMAL(4,1) AS d";
  EXPECT_EQ(ArrowCompatibleSql(conn_->handle(), huge), huge);
}

// With file lists as parameters the prepare binds nothing: the columns, and so the casts, come
// from the query bound with its lists.
TEST_F(ArrowResultTest, CastsColumnsOfAQueryWithSqlParameters) {
  const std::vector<SqlParameter> lists = {{"arc_files_0", std::vector<std::string>{"a", "b", "c"}}};
  const std::string sql = "SELECT len($arc_files_0) AS n, INTERVAL 1 DAY AS i";
  const std::string compatible = ArrowCompatibleSql(conn_->handle(), sql, lists);
  EXPECT_NE(compatible.find("CAST(arc_c1 AS VARCHAR)"), std::string::npos) << compatible;
  EXPECT_EQ(compatible.find("CAST(arc_c0"), std::string::npos) << compatible;
  duckdb_result result;
  bool invalidates = false;
  ASSERT_TRUE(RunStreamingSelect(conn_->handle(), compatible, &result, &invalidates, lists).ok());
  duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
  ASSERT_NE(chunk, nullptr);
  EXPECT_EQ(static_cast<int64_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, 0)))[0], 3);
  EXPECT_EQ(duckdb_column_type(&result, 1), DUCKDB_TYPE_VARCHAR);
  duckdb_destroy_data_chunk(&chunk);
  duckdb_destroy_result(&result);
  const std::string plain = "SELECT len($arc_files_0) AS n";
  EXPECT_EQ(ArrowCompatibleSql(conn_->handle(), plain, lists), plain);
}

// A parameter the engine does not bind is refused before anything runs.
TEST_F(ArrowResultTest, UnboundParametersAreRefused) {
  duckdb_result result;
  bool invalidates = false;
  const Status st = RunStreamingSelect(conn_->handle(), "SELECT $x + 1 AS y", &result, &invalidates, {});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("query parameters"), std::string::npos) << st.ToString();
  const Status other = RunStreamingSelect(conn_->handle(), "SELECT len($x) AS y", &result, &invalidates,
                                          {{"arc_files_0", std::vector<std::string>{"a"}}});
  EXPECT_FALSE(other.ok());
}

}  // namespace
}  // namespace arc
