#include "ingest/batch.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(BatchTest, AddColumnBackfillsNullsAndFinishRowPads) {
  Batch b;
  int a = b.AddColumn("a", ColumnType::kInt64, false);
  b.columns[a].AppendInt(1);
  b.FinishRow(10);
  int s = b.AddColumn("s", ColumnType::kString, true);
  b.columns[s].AppendString("x");
  b.FinishRow(20);
  ASSERT_EQ(b.rows(), 2u);
  EXPECT_TRUE(b.columns[a].IsValid(0));
  EXPECT_FALSE(b.columns[a].IsValid(1));
  EXPECT_FALSE(b.columns[s].IsValid(0));
  EXPECT_EQ(b.columns[s].StringAt(1), "x");
  EXPECT_EQ(b.TagNames(), std::vector<std::string>{"s"});
}

TEST(BatchTest, StringsPopBackAndNulls) {
  Column c("s", ColumnType::kString, false);
  c.AppendString("ab");
  c.AppendNulls(2);
  c.AppendString("cde");
  c.PopBack();
  c.AppendString("z");
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c.StringAt(0), "ab");
  EXPECT_EQ(c.StringAt(1), "");
  EXPECT_FALSE(c.IsValid(2));
  EXPECT_EQ(c.StringAt(3), "z");
  EXPECT_TRUE(c.IsValid(3));
}

TEST(BatchTest, PromoteToDoubleKeepsValues) {
  Column c("v", ColumnType::kInt64, false);
  c.AppendInt(3);
  c.AppendNulls(1);
  c.PromoteToDouble();
  c.AppendDouble(1.5);
  EXPECT_EQ(c.type(), ColumnType::kDouble);
  EXPECT_EQ(c.doubles(), (std::vector<double>{3.0, 0.0, 1.5}));
  EXPECT_FALSE(c.IsValid(1));
}

TEST(BatchTest, FindColumnIgnoringCase) {
  Batch b;
  b.AddColumn("Host", ColumnType::kString, true);
  EXPECT_EQ(b.FindColumn("host"), -1);
  EXPECT_EQ(b.FindColumnIgnoringCase("host"), 0);
}

TEST(BatchTest, FromPartsTakesStorageThatMatchesTheAccessors) {
  Column::Parts p;
  p.string_ends = {1, 1, 3};
  p.string_data = "abc";
  p.validity = {1, 0, 1};
  Result<Column> c = Column::FromParts("s", ColumnType::kString, true, 3, std::move(p));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->size(), 3u);
  EXPECT_TRUE(c->is_tag());
  EXPECT_EQ(c->StringAt(0), "a");
  EXPECT_FALSE(c->IsValid(1));
  EXPECT_EQ(c->StringAt(2), "bc");
  c->AppendString("d");  // still appendable: the parts became its own storage
  EXPECT_EQ(c->StringAt(3), "d");
  EXPECT_TRUE(c->IsValid(3));
}

TEST(BatchTest, FromPartsRefusesStorageThatBreaksAnInvariant) {
  auto make = [](ColumnType type, size_t rows, Column::Parts p) {
    return Column::FromParts("v", type, false, rows, std::move(p)).status();
  };
  Column::Parts ints;
  ints.ints = {1, 2};
  EXPECT_TRUE(make(ColumnType::kInt64, 2, ints).ok());
  EXPECT_FALSE(make(ColumnType::kInt64, 3, ints).ok()) << "fewer values than rows";
  EXPECT_FALSE(make(ColumnType::kDouble, 2, ints).ok()) << "values of another type";
  Column::Parts nulls = ints;
  nulls.validity = {1};
  EXPECT_FALSE(make(ColumnType::kInt64, 2, nulls).ok()) << "validity of another length";
  nulls.validity = {1, 2};
  EXPECT_FALSE(make(ColumnType::kInt64, 2, nulls).ok()) << "validity byte 2";
  Column::Parts bools;
  bools.bools = {0, 3};
  EXPECT_FALSE(make(ColumnType::kBool, 2, bools).ok()) << "boolean 3";
  Column::Parts strings;
  strings.string_ends = {2, 1};
  strings.string_data = "ab";
  EXPECT_FALSE(make(ColumnType::kString, 2, strings).ok()) << "ends decrease";
  strings.string_ends = {1, 3};
  EXPECT_FALSE(make(ColumnType::kString, 2, strings).ok()) << "ends past the bytes";
  strings.string_ends = {1, 1};
  EXPECT_FALSE(make(ColumnType::kString, 2, strings).ok()) << "bytes past the last end";
}

}  // namespace
}  // namespace arc
