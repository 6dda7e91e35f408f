#include "lifecycle/partition_merge.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

// DuckDB gets half of compaction.memory_limit: its sort and writer allocate about as much
// again outside its buffer pool (a 256MB limit peaked at +232 MB with 128MB for DuckDB).
TEST(PartitionMergeTest, DuckDbGetsHalfTheBudgetAndAtLeast32MB) {
  EXPECT_EQ(*MergeMemoryLimit("256MB"), "128MB");
  EXPECT_EQ(*MergeMemoryLimit("1GB"), "512MB");
  EXPECT_EQ(*MergeMemoryLimit("64MB"), "32MB");
  EXPECT_EQ(*MergeMemoryLimit("16MB"), "32MB");
  EXPECT_FALSE(MergeMemoryLimit("lots").ok());
}

TEST(PartitionMergeTest, RecognisesOutOfMemoryOnly) {
  EXPECT_TRUE(IsOutOfMemory(Status::Unavailable(
      "Out of Memory Error: failed to pin block of size 256.0 KiB (30.3 MiB/30.5 MiB used)")));
  EXPECT_FALSE(IsOutOfMemory(Status::Unavailable("INTERRUPT Error: Interrupted!")));
  EXPECT_FALSE(IsOutOfMemory(Status::InvalidArgument("Out of Memory in a string")));
}

}  // namespace
}  // namespace arc
