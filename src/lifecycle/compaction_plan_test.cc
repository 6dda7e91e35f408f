#include "lifecycle/compaction_plan.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(CompactionPlanTest, AnHourIsDueAfterItsEndPlusGrace) {
  const int64_t hour = 10;  // [36000, 39600)
  EXPECT_FALSE(HourIsDue(hour, 39599, 0));
  EXPECT_TRUE(HourIsDue(hour, 39600, 0));
  EXPECT_FALSE(HourIsDue(hour, 39600 + 599, 600));
  EXPECT_TRUE(HourIsDue(hour, 39600 + 600, 600));
}

TEST(CompactionPlanTest, FullCompactedFilesAreLeftAlone) {
  const uint64_t target = 1000;
  // One full compacted file and one late flush: nothing to do until min_files late files.
  EXPECT_TRUE(
      CompactionCandidates({{"c1-1.parquet", 900}, {"w1-5-9.parquet", 10}}, target, 2).empty());
  // A small compacted file merges with the late one.
  EXPECT_EQ(CompactionCandidates({{"w1-5-9.parquet", 10}, {"c1-1.parquet", 100}}, target, 2).size(),
            2u);
  EXPECT_EQ(CompactionCandidates({{"w1-5-9.parquet", 10}}, target, 2).size(), 0u);
  EXPECT_TRUE(IsCompactedName("c1700000000000-3.parquet"));
  EXPECT_FALSE(IsCompactedName("w1-5-9.parquet"));
  EXPECT_FALSE(IsCompactedName("b17-w1-3.parquet"));
}

TEST(CompactionPlanTest, RunsStayUnderTheTarget) {
  std::vector<PartitionFile> files;
  for (int i = 0; i < 10; ++i) files.push_back({"w1-" + std::to_string(i) + ".parquet", 300});
  const auto runs = PlanRuns(files, 1000);
  ASSERT_EQ(runs.size(), 3u);  // 3+3+3, and the last file alone waits for company
  size_t total = 0;
  for (const auto& r : runs) {
    uint64_t bytes = 0;
    for (const auto& f : r) bytes += f.bytes;
    EXPECT_LE(bytes, 1000u);
    total += r.size();
  }
  EXPECT_EQ(total, 9u);
}

TEST(CompactionPlanTest, ASingleFileRunIsDroppedUnlessAlone) {
  EXPECT_EQ(PlanRuns({{"a", 300}, {"b", 300}, {"c", 300}, {"d", 300}}, 900).size(), 1u);
  EXPECT_EQ(PlanRuns({{"a", 300}, {"b", 300}}, 900).size(), 1u);
  EXPECT_TRUE(PlanRuns({{"a", 5000}, {"b", 5000}}, 900).empty());  // each already over the target
  EXPECT_EQ(PlanRuns({{"a", 5000}}, 900).size(), 1u);  // the only run: the caller decides
}

TEST(CompactionPlanTest, RunsHoldAtMostMaxFiles) {
  std::vector<PartitionFile> files;
  for (int i = 0; i < 129; ++i)
    files.push_back({"w1-" + std::to_string(1000 + i) + ".parquet", 10});
  const auto runs = PlanRuns(files, 1ull << 30, 64);
  ASSERT_EQ(runs.size(), 2u);  // 64 + 64, and the 129th alone waits for the next cycle
  EXPECT_EQ(runs[0].size(), 64u);
  EXPECT_EQ(runs[1].size(), 64u);
}

}  // namespace
}  // namespace arc
