#include "wal/manifest.h"

#include <gtest/gtest.h>

#include "util/fault_fs.h"

namespace arc::wal {
namespace {

TEST(ManifestTest, WatermarkAdvancesOnlyOverFullyFlushedEntries) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  Manifest m(&fs, "/w", 1);
  ASSERT_TRUE(m.Load().ok());
  m.Register(1, 2);  // entry 1: cpu and mem
  m.Register(2, 1);  // entry 2: cpu
  m.Register(3, 1);  // entry 3: mem
  EXPECT_EQ(m.watermark(), 0u);
  m.Complete("db", "cpu", {1, 2});
  EXPECT_EQ(m.watermark(), 0u) << "entry 1 still has mem pending";
  EXPECT_TRUE(m.IsFlushed("db", "cpu", 2));
  EXPECT_FALSE(m.IsFlushed("db", "mem", 1));
  m.Complete("db", "mem", {1, 3});
  EXPECT_EQ(m.watermark(), 3u);
  EXPECT_TRUE(m.ranges().empty()) << "ranges at or below the watermark are dropped";
  m.Register(5, 1);  // LSN 4 was skipped (never registered): counts as flushed
  m.Complete("db", "cpu", {5});
  EXPECT_EQ(m.watermark(), 5u);
}

// Regression: a manifest never persisted (W = 0) meeting LSNs that start at the current time
// in microseconds tried to queue 1.7e15 zeros (std::bad_alloc during recovery).
TEST(ManifestTest, HugeGapBelowTheFirstLsnCostsNothing) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  Manifest m(&fs, "/w", 1);
  const uint64_t first = 1700000000000000;
  m.Register(first, 1);
  m.Register(first + 1, 1);
  EXPECT_EQ(m.watermark(), first - 1);
  m.Complete("db", "cpu", {first});
  EXPECT_EQ(m.watermark(), first);
  m.Complete("db", "cpu", {first + 1});
  EXPECT_EQ(m.watermark(), first + 1);
  EXPECT_EQ(m.NextUnusedLsn(), first + 2);
}

TEST(ManifestTest, PersistAndLoadRoundTripAndDetectCorruption) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  {
    Manifest m(&fs, "/w", 2);
    m.Register(1, 1);
    m.Register(2, 1);
    m.Complete("db", "cpu", {2});
    auto w = m.Persist();
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(*w, 0u);
  }
  fs.Crash();  // persisted means durable
  Manifest loaded(&fs, "/w", 2);
  ASSERT_TRUE(loaded.Load().ok());
  EXPECT_EQ(loaded.watermark(), 0u);
  EXPECT_TRUE(loaded.IsRecorded("db", "cpu", 2, 2));
  EXPECT_TRUE(loaded.IsFlushed("db", "cpu", 2));
  fs.Corrupt("/w/worker-2.manifest", 40, 1);
  Manifest bad(&fs, "/w", 2);
  Status st = bad.Load();
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("worker-2.manifest"), std::string::npos);
}

TEST(ManifestTest, CrashDuringPersistKeepsThePreviousState) {
  for (int ops = 0; ops < 6; ++ops) {
    test::FaultFileSystem fs;
    ASSERT_TRUE(fs.CreateDirs("/w").ok());
    Manifest m(&fs, "/w", 1);
    m.Register(1, 1);
    m.Complete("db", "cpu", {1});
    ASSERT_TRUE(m.Persist().ok());
    m.Register(2, 1);
    m.Complete("db", "cpu", {2});
    fs.FreezeAfter(ops);
    const bool saved = m.Persist().ok();
    fs.Crash();
    Manifest loaded(&fs, "/w", 1);
    ASSERT_TRUE(loaded.Load().ok()) << "never a torn manifest, ops=" << ops;
    EXPECT_EQ(loaded.watermark(), saved ? 2u : 1u) << ops;
    EXPECT_TRUE(loaded.watermark() == 1 || loaded.watermark() == 2);
  }
}

}  // namespace
}  // namespace arc::wal
