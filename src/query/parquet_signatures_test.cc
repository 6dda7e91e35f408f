#include "query/parquet_signatures.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/duckdb_util.h"
#include "util/test_util.h"

namespace arc {
namespace {

class ParquetSignaturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*DuckDatabase::OpenInMemory({{"threads", "1"}}));
    conn_ = std::move(*DuckConnection::Open(*db_));
  }
  std::string File(const std::string& name, const std::string& select) {
    const std::string path = dir_.Sub(name);
    EXPECT_TRUE(conn_->Execute("COPY (" + select + ") TO " + QuoteLiteral(path) + " (FORMAT parquet)").ok());
    return path;
  }
  test::TempDir dir_;
  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
};

TEST_F(ParquetSignaturesTest, OneSchemaOnlyWhenEveryFileIsKnownAndAlike) {
  const std::string a = File("a.parquet", "SELECT 'h' AS host, 1::BIGINT AS v FROM range(3)");
  const std::string b = File("b.parquet", "SELECT 'i' AS host, 7::BIGINT AS v");
  const std::string floats = File("c.parquet", "SELECT 'h' AS host, 1.5::DOUBLE AS v");
  const std::string more = File("d.parquet", "SELECT 'h' AS host, 1::BIGINT AS v, 'x' AS extra");
  const std::string reordered = File("e.parquet", "SELECT 1::BIGINT AS v, 'h' AS host");
  ParquetSignatures s;
  EXPECT_FALSE(s.OneSchema({a, b}, {})) << "not learned yet";
  ASSERT_TRUE(s.Learn(conn_->handle(), {a, b, floats, more, reordered}, {}).ok());
  EXPECT_EQ(s.known(), 5u);
  EXPECT_TRUE(s.OneSchema({a, b}, {}));
  EXPECT_TRUE(s.OneSchema({b}, {}));
  EXPECT_FALSE(s.OneSchema({a, floats}, {}));  // BIGINT and DOUBLE: a union widens
  EXPECT_FALSE(s.OneSchema({a, more}, {}));
  EXPECT_FALSE(s.OneSchema({a, reordered}, {}));
  EXPECT_FALSE(s.OneSchema({a, dir_.Sub("unknown.parquet")}, {}));
  EXPECT_FALSE(s.Learn(conn_->handle(), {dir_.Sub("missing.parquet")}, {}).ok());
  s.Clear();
  EXPECT_FALSE(s.OneSchema({a, b}, {}));
}

// Regression (review): signatures were keyed by path alone, so a file replaced under its name
// by one of another schema was still judged alike and read without union_by_name. The size
// is part of the key: the new file is learned again.
TEST_F(ParquetSignaturesTest, AFileReplacedUnderItsNameWithAnotherSizeIsLearnedAgain) {
  const std::string a = File("a.parquet", "SELECT 'h' AS host, 1::BIGINT AS v");
  const std::string b = File("b.parquet", "SELECT 'i' AS host, 7::BIGINT AS v");
  const auto size = [](const std::string& p) { return static_cast<uint64_t>(std::filesystem::file_size(p)); };
  ParquetSignatures s;
  ASSERT_TRUE(s.Learn(conn_->handle(), {a, b}, {size(a), size(b)}).ok());
  EXPECT_TRUE(s.OneSchema({a, b}, {size(a), size(b)}));
  File("b.parquet", "SELECT 'i' AS host, 7::BIGINT AS v, 'new column' AS extra");
  EXPECT_FALSE(s.OneSchema({a, b}, {size(a), size(b)})) << "unknown under its new size";
  ASSERT_TRUE(s.Learn(conn_->handle(), {a, b}, {size(a), size(b)}).ok());
  EXPECT_FALSE(s.OneSchema({a, b}, {size(a), size(b)})) << "learned again: another schema";
}

}  // namespace
}  // namespace arc
