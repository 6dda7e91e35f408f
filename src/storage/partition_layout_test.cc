#include "storage/partition_layout.h"

#include <gtest/gtest.h>

#include "ingest/time_units.h"

namespace arc {
namespace {

constexpr int64_t kHour = 3600LL * 1000000;

TEST(PartitionLayoutTest, HourOfAndDirectory) {
  EXPECT_EQ(HourOf(0), 0);
  EXPECT_EQ(HourOf(kHour - 1), 0);
  EXPECT_EQ(HourOf(-1), -1);
  EXPECT_EQ(HourDirectory("d", "m", -1), "d/m/1969/12/31/23");
  EXPECT_EQ(HourDirectory("d", "m", 0), "d/m/1970/01/01/00");
  EXPECT_EQ(DataFilePath("d", "m", 472222, "w1-5-9"), "d/m/2023/11/14/22/w1-5-9.parquet");
}

TEST(PartitionLayoutTest, HourFoldersRoundTrip) {
  for (int64_t hour : {int64_t{-1}, int64_t{0}, int64_t{472222}, int64_t{2500000}}) {
    const std::string folder = HourFolder(hour);
    ASSERT_EQ(folder.size(), 13u) << folder;
    EXPECT_EQ(ParseHourFolder(folder.substr(0, 4), folder.substr(5, 2), folder.substr(8, 2),
                              folder.substr(11, 2)),
              hour);
  }
}

TEST(PartitionLayoutTest, RejectsFoldersThatAreNotHours) {
  EXPECT_FALSE(ParseHourFolder("2023", "02", "31", "00"));  // no such day
  EXPECT_FALSE(ParseHourFolder("2023", "13", "01", "00"));
  EXPECT_FALSE(ParseHourFolder("2023", "01", "01", "24"));
  EXPECT_FALSE(ParseHourFolder("23", "01", "01", "00"));
  EXPECT_FALSE(ParseHourFolder("2023", "1", "01", "00"));
  EXPECT_FALSE(ParseHourFolder("2023", "+1", "01", "00"));
  EXPECT_FALSE(ParseHourFolder("20x3", "01", "01", "00"));
}

TEST(PartitionLayoutTest, ParsesPartitionPaths) {
  auto p = ParsePartitionPath("db/cpu/2023/11/14/22/w1-5-9.parquet");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->database, "db");
  EXPECT_EQ(p->measurement, "cpu");
  EXPECT_EQ(p->hour, 472222);
  EXPECT_EQ(p->file, "w1-5-9.parquet");
  EXPECT_FALSE(ParsePartitionPath("db/cpu/2023/11/14/22"));
  EXPECT_FALSE(ParsePartitionPath("db/cpu/2023/11/14/22/"));
  EXPECT_FALSE(ParsePartitionPath("db/cpu/2023/11/14/22/x/y.parquet"));
  EXPECT_FALSE(ParsePartitionPath("db/cpu/2023/11/14/f.parquet"));
  EXPECT_FALSE(ParsePartitionPath("/cpu/2023/11/14/22/f.parquet"));
}

TEST(PartitionLayoutTest, WalFlushNamesRoundTrip) {
  EXPECT_EQ(WalFlushStem(3, 10, 20), "w3-10-20");
  EXPECT_EQ(BootFlushStem(1700, 2, 7), "b1700-w2-7");
  auto n = ParseWalFlushName("w3-10-20.parquet");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->worker, 3);
  EXPECT_EQ(n->first_lsn, 10u);
  EXPECT_EQ(n->last_lsn, 20u);
  EXPECT_FALSE(ParseWalFlushName("w3-10-20.parquet.tmp"));
  EXPECT_FALSE(ParseWalFlushName("w3-10.parquet"));
  EXPECT_FALSE(ParseWalFlushName("b1700-w2-7.parquet"));
  EXPECT_FALSE(ParseWalFlushName("w3-10-20x.parquet"));
  EXPECT_FALSE(ParseWalFlushName("w3--10-20.parquet"));
}

// Several servers on one bucket: the node id leads every name and is parsed back; names from
// before node ids have none.
TEST(PartitionLayoutTest, NodeIdsLeadFileNames) {
  EXPECT_TRUE(IsValidNodeId("a1"));
  EXPECT_FALSE(IsValidNodeId(""));
  EXPECT_FALSE(IsValidNodeId("A1"));
  EXPECT_FALSE(IsValidNodeId("a_1"));
  EXPECT_FALSE(IsValidNodeId("a-1"));
  EXPECT_FALSE(IsValidNodeId(std::string(33, 'a')));
  EXPECT_EQ(NodeStem("n7", "w3-10-20"), "n7_w3-10-20");
  EXPECT_EQ(NodeStem("", "w3-10-20"), "w3-10-20");
  auto n = ParseWalFlushName("n7_w3-10-20.parquet");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->node, "n7");
  EXPECT_EQ(n->worker, 3);
  EXPECT_EQ(ParseWalFlushName("w3-10-20.parquet")->node, "");
  EXPECT_FALSE(ParseWalFlushName("N7_w3-10-20.parquet")) << "not a node id: not a WAL name";
  EXPECT_EQ(FileNode("n7_c17-2.parquet"), "n7");
  EXPECT_EQ(FileNode("c17-2.parquet"), "");
  EXPECT_EQ(WithoutNode("n7_c17-2.parquet"), "c17-2.parquet");
  EXPECT_EQ(WithoutNode("c17-2.parquet"), "c17-2.parquet");
}

}  // namespace
}  // namespace arc
