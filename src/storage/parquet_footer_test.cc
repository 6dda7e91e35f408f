#include "storage/parquet_footer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "util/parquet_reader.h"
#include "util/test_util.h"

namespace arc::parquet {
namespace {

// A footer alone (no row groups) is a whole Parquet file: DuckDB reads its schema, types,
// created_by and the arc:tags key from it.
TEST(ParquetFooterTest, AFooterAloneIsAnEmptyFileWithTheSchema) {
  Batch b;
  b.database = "db";
  b.measurement = "m";
  b.AddColumn("host", ColumnType::kString, true);
  b.AddColumn("v", ColumnType::kDouble, false);
  b.AddColumn("n", ColumnType::kInt64, false);
  b.AddColumn("ok", ColumnType::kBool, false);
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  const FlushView view(batches);
  const std::string footer = EncodeFooter(view, {}, 0);
  const uint32_t len = static_cast<uint32_t>(footer.size());
  std::string file = "PAR1" + footer + std::string(4, '\0') + "PAR1";
  std::memcpy(file.data() + 4 + footer.size(), &len, 4);
  test::TempDir dir;
  const std::string path = dir.path() + "/empty.parquet";
  std::ofstream(path, std::ios::binary) << file;
  const test::Rows types = test::Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('" +
                                       path + "'))");
  const test::Rows want = {{"time", "TIMESTAMP WITH TIME ZONE"}, {"host", "VARCHAR"}, {"v", "DOUBLE"},
                           {"n", "BIGINT"}, {"ok", "BOOLEAN"}};
  EXPECT_EQ(types, want);
  EXPECT_EQ(test::QueryValue("SELECT count(*) FROM read_parquet('" + path + "')"), "0");
  EXPECT_EQ(test::QueryValue("SELECT decode(value) FROM parquet_kv_metadata('" + path +
                             "') WHERE decode(key) = 'arc:tags'"),
            "host");
  EXPECT_EQ(test::QueryValue("SELECT created_by FROM parquet_file_metadata('" + path + "')").rfind("arc version ", 0), 0u);
  EXPECT_EQ(PhysicalOf(ColumnType::kString), kByteArray);
  EXPECT_EQ(PhysicalOf(ColumnType::kBool), kBoolean);
}

}  // namespace
}  // namespace arc::parquet
