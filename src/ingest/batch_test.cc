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

}  // namespace
}  // namespace arc
