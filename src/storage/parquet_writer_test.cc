#include "storage/parquet_writer.h"

#include <gtest/gtest.h>

#include "storage/local_storage.h"
#include "util/parquet_reader.h"
#include "util/test_util.h"

namespace arc {
namespace {

constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kBase = 1700000000LL * 1000000 / kHour * kHour;  // an hour boundary

Batch MakeBatch(std::vector<int64_t> times) {
  Batch b;
  b.database = "db";
  b.measurement = "cpu";
  int host = b.AddColumn("host", ColumnType::kString, true);
  int v = b.AddColumn("v", ColumnType::kDouble, false);
  int n = b.AddColumn("n", ColumnType::kInt64, false);
  int ok = b.AddColumn("ok", ColumnType::kBool, false);
  for (size_t i = 0; i < times.size(); ++i) {
    b.columns[host].AppendString("h" + std::to_string(i % 2));
    b.columns[v].AppendDouble(i * 1.5);
    if (i % 3 != 0) b.columns[n].AppendInt(static_cast<int64_t>(i));
    b.columns[ok].AppendBool(i % 2 == 0);
    b.FinishRow(times[i]);
  }
  return b;
}

class ParquetWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::make_unique<LocalStorage>(DefaultFileSystem(), dir_.path());
    ASSERT_TRUE(storage_->Open().ok());
    auto w = ParquetWriter::Create(storage_.get(), ParquetCompression::kZstd);
    ASSERT_TRUE(w.ok());
    writer_ = std::move(*w);
  }

  // Writes `batches` as db.cpu with the stem "stem".
  Result<std::vector<DataFile>> Write(const std::vector<Batch>& batches) {
    return writer_->Write(WriteTarget{"db", "cpu", "stem"}, batches);
  }

  test::TempDir dir_;
  std::unique_ptr<LocalStorage> storage_;
  std::unique_ptr<ParquetWriter> writer_;
};

TEST_F(ParquetWriterTest, WritesTypedSortedRowsWithTagMetadata) {
  // Out of order on purpose: files must come out sorted by time.
  auto files = Write({MakeBatch({kBase + 30, kBase + 10, kBase + 20})});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 1u);
  const std::string path = dir_.path() + "/" + (*files)[0].relative_path;
  EXPECT_EQ((*files)[0].relative_path, "db/cpu/2023/11/14/22/stem.parquet");
  test::Rows rows = test::Query("SELECT epoch_us(time), host, v, n, ok FROM '" + path + "'");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{std::to_string(kBase + 10), "h1", "1.5", "1", "false"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{std::to_string(kBase + 20), "h0", "3.0", "2", "true"}));
  EXPECT_EQ(rows[2], (std::vector<std::string>{std::to_string(kBase + 30), "h0", "0.0", "NULL", "true"}));
  test::Rows schema = test::Query("SELECT name, type, logical_type FROM parquet_schema('" + path +
                                  "') WHERE name = 'time'");
  ASSERT_EQ(schema.size(), 1u);
  EXPECT_NE(schema[0][2].find("isAdjustedToUTC=1"), std::string::npos) << schema[0][2];
  EXPECT_NE(schema[0][2].find("MICROS"), std::string::npos) << schema[0][2];
  EXPECT_EQ(test::QueryValue("SELECT decode(value) FROM parquet_kv_metadata('" + path +
                             "') WHERE decode(key) = 'arc:tags'"),
            "host");
  // Three rows do not shrink under zstd: their chunks are stored uncompressed.
  EXPECT_EQ(test::QueryValue("SELECT string_agg(DISTINCT compression, ',') FROM parquet_metadata('" + path + "')"),
            "UNCOMPRESSED");
  test::Rows types = test::Query("DESCRIBE SELECT * FROM '" + path + "'");
  std::vector<std::string> got;
  for (auto& r : types) got.push_back(r[0] + ":" + r[1]);
  EXPECT_EQ(got, (std::vector<std::string>{"time:TIMESTAMP WITH TIME ZONE", "host:VARCHAR",
                                           "v:DOUBLE", "n:BIGINT", "ok:BOOLEAN"}));
}

TEST_F(ParquetWriterTest, OneFilePerUtcHour) {
  auto files = Write({MakeBatch({kBase + 5, kBase + kHour + 5, kBase + 2 * kHour + 5,
                                              kBase + 6, kBase - 1})});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 4u);
  EXPECT_EQ((*files)[0].relative_path, "db/cpu/2023/11/14/21/stem.parquet");
  EXPECT_EQ((*files)[1].relative_path, "db/cpu/2023/11/14/22/stem.parquet");
  EXPECT_EQ((*files)[1].rows, 2u);
  EXPECT_EQ((*files)[3].relative_path, "db/cpu/2023/11/15/00/stem.parquet");
  EXPECT_EQ(test::QueryValue("SELECT count(*) FROM '" + dir_.path() + "/db/cpu/*/*/*/*/*.parquet'"), "5");
  EXPECT_TRUE(test::FindFiles(dir_.path() + "/.tmp", "").empty()) << "no temp files left";
}

TEST_F(ParquetWriterTest, UnionOfSchemasAcrossBatches) {
  Batch a = MakeBatch({kBase + 1});
  Batch b;
  b.database = "db";
  b.measurement = "cpu";
  int extra = b.AddColumn("extra", ColumnType::kString, false);
  b.columns[extra].AppendString("it's \"quoted\"");
  b.FinishRow(kBase + 2);
  auto files = Write({std::move(a), std::move(b)});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  const std::string path = dir_.path() + "/" + (*files)[0].relative_path;
  test::Rows rows = test::Query("SELECT host, extra FROM '" + path + "' ORDER BY time");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"h0", "NULL"}));
  EXPECT_EQ(rows[1], (std::vector<std::string>{"NULL", "it's \"quoted\""}));
}

TEST_F(ParquetWriterTest, ManyRowsSpanningSeveralChunks) {
  std::vector<int64_t> times;
  for (int i = 0; i < 10000; ++i) times.push_back(kBase + i);
  auto files = Write({MakeBatch(times)});
  ASSERT_TRUE(files.ok());
  const std::string path = dir_.path() + "/" + (*files)[0].relative_path;
  EXPECT_EQ(test::QueryValue("SELECT count(*) || ',' || sum(v) || ',' || count(n) FROM '" + path + "'"),
            "10000,74992500.0,6666");
}

}  // namespace
}  // namespace arc
