#include "query/file_schema_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "util/test_util.h"

namespace arc {
namespace {

class FileSchemaCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::move(*DuckDatabase::OpenInMemory({{"threads", "1"}}));
    conn_ = std::move(*DuckConnection::Open(*db_));
  }
  // A Parquet file of `select` with arc:tags = `tags`; returns its path.
  std::string File(const std::string& name, const std::string& select, const std::string& tags) {
    const std::string path = dir_.Sub(name);
    EXPECT_TRUE(conn_->Execute("COPY (" + select + ") TO " + QuoteLiteral(path) +
                               " (FORMAT parquet, KV_METADATA {'arc:tags': " + QuoteLiteral(tags) + "})")
                    .ok());
    return path;
  }
  static uint64_t Size(const std::string& p) { return std::filesystem::file_size(p); }

  test::TempDir dir_;
  std::unique_ptr<DuckDatabase> db_;
  std::unique_ptr<DuckConnection> conn_;
};

// The union is DuckDB's union_by_name over all files: an integer field that is a float in
// another file reads as DOUBLE, columns of every file appear, tags of every file count.
TEST_F(FileSchemaCacheTest, TheUnionOfAllFilesAsReadParquetUnionByNameGivesIt) {
  const std::string a = File("a.parquet", "SELECT 'h' AS host, 1::BIGINT AS v", "host");
  const std::string b = File("b.parquet", "SELECT 'h' AS host, 2::BIGINT AS v", "host");
  const std::string c = File("c.parquet", "SELECT 'r' AS region, 2.5::DOUBLE AS v, 'x' AS extra", "region");
  FileSchemaCache cache;
  Result<FileSchemas> s = cache.Describe(conn_.get(), {a, b, c}, {Size(a), Size(b), Size(c)});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->columns, (std::map<std::string, std::string>{
                            {"host", "VARCHAR"}, {"v", "DOUBLE"}, {"region", "VARCHAR"}, {"extra", "VARCHAR"}}));
  EXPECT_EQ(s->tags, (std::set<std::string>{"host", "region"}));
  EXPECT_EQ(cache.remembered(), 3u);
  // Only a and b now: the union of those two alone.
  s = cache.Describe(conn_.get(), {a, b}, {Size(a), Size(b)});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->columns, (std::map<std::string, std::string>{{"host", "VARCHAR"}, {"v", "BIGINT"}}));
  EXPECT_EQ(s->tags, (std::set<std::string>{"host"}));
}

// A file once described is not read again: c, deleted but still named, answers from memory
// (b, listed first, stands for their shared schema). A file listed with another size than
// remembered (rewritten under its name) is read anew.
TEST_F(FileSchemaCacheTest, KnownFilesAreNotReadAgainUnlessTheirSizeChanged) {
  const std::string a = File("a.parquet", "SELECT 1::BIGINT AS v", "");
  const std::string b = File("b.parquet", "SELECT 'h' AS host, 1::BIGINT AS v", "host");
  const std::string c = File("c.parquet", "SELECT 'i' AS host, 2::BIGINT AS v", "host");
  FileSchemaCache cache;
  const uint64_t size_a = Size(a), size_b = Size(b), size_c = Size(c);
  ASSERT_TRUE(cache.Describe(conn_.get(), {a, b, c}, {size_a, size_b, size_c}).ok());
  std::filesystem::remove(c);
  Result<FileSchemas> s = cache.Describe(conn_.get(), {a, b, c}, {size_a, size_b, size_c});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->columns, (std::map<std::string, std::string>{{"host", "VARCHAR"}, {"v", "BIGINT"}}));
  EXPECT_FALSE(cache.Describe(conn_.get(), {a, b, c}, {size_a, size_b, size_c + 1}).ok())
      << "c with another size must be read again (and is gone)";
  File("c.parquet", "SELECT 'h' AS host, 1::BIGINT AS v, true AS up", "host");
  s = cache.Describe(conn_.get(), {a, b, c}, {size_a, size_b, Size(c)});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->columns.count("up"), 1u);
}

TEST_F(FileSchemaCacheTest, TheBoundForgetsEverything) {
  const std::string a = File("a.parquet", "SELECT 1::BIGINT AS v", "");
  const std::string b = File("b.parquet", "SELECT 2::BIGINT AS w", "");
  FileSchemaCache cache(1);
  Result<FileSchemas> s = cache.Describe(conn_.get(), {a, b}, {Size(a), Size(b)});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->columns.size(), 2u);
  EXPECT_EQ(cache.remembered(), 0u);
}

}  // namespace
}  // namespace arc
