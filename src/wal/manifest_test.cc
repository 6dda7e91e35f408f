#include "wal/manifest.h"

#include <gtest/gtest.h>

#include "util/fault_fs.h"
#include "wal/format.h"

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


std::string Slot(test::FaultFileSystem* fs, const std::string& path) {
  auto r = fs->ReadFile(path);
  return r.ok() ? *r : std::string();
}

// Writes go to the slot not holding the newest state; loading takes the highest sequence.
TEST(ManifestTest, SlotsAreWrittenInTurnAndTheNewestLoads) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  Manifest m(&fs, "/w", 1);
  ASSERT_TRUE(m.Load().ok());
  for (uint64_t lsn = 1; lsn <= 5; ++lsn) {
    m.Register(lsn, 1);
    m.Complete("db", "cpu", {lsn});
    ASSERT_TRUE(m.Persist().ok());
    const std::string newest = Slot(&fs, lsn % 2 ? "/w/worker-1.manifest" : "/w/worker-1.manifest.alt");
    EXPECT_EQ(newest.rfind("ARCMANIFEST 2 " + std::to_string(lsn) + " ", 0), 0u) << newest;
    fs.Crash();
    Manifest loaded(&fs, "/w", 1);
    ASSERT_TRUE(loaded.Load().ok());
    EXPECT_EQ(loaded.watermark(), lsn);
  }
}

// A write torn by a crash (here: garbage, a cut, an empty file) leaves the other slot, which
// holds the state before it; a later write goes to the torn slot again.
TEST(ManifestTest, TornNewestSlotFallsBackToTheOther) {
  for (int damage = 0; damage < 3; ++damage) {
    SCOPED_TRACE(damage);
    test::FaultFileSystem fs;
    ASSERT_TRUE(fs.CreateDirs("/w").ok());
    {
      Manifest m(&fs, "/w", 1);
      m.Register(1, 1);
      m.Complete("db", "cpu", {1});
      ASSERT_TRUE(m.Persist().ok());  // slot 0, W = 1
      m.Register(2, 1);
      m.Complete("db", "cpu", {2});
      ASSERT_TRUE(m.Persist().ok());  // slot 1, W = 2
    }
    const std::string alt = "/w/worker-1.manifest.alt";
    if (damage == 0) fs.Corrupt(alt, 30, 4);
    if (damage == 1) fs.Truncate(alt, 20);
    if (damage == 2) fs.Truncate(alt, 0);
    Manifest loaded(&fs, "/w", 1);
    ASSERT_TRUE(loaded.Load().ok());
    EXPECT_EQ(loaded.watermark(), 1u);
    loaded.Register(3, 1);
    loaded.Complete("db", "cpu", {3});
    ASSERT_TRUE(loaded.Persist().ok());
    EXPECT_EQ(Slot(&fs, alt).rfind("ARCMANIFEST 2 2 ", 0), 0u) << "the torn slot is rewritten";
    Manifest again(&fs, "/w", 1);
    ASSERT_TRUE(again.Load().ok());
    EXPECT_EQ(again.watermark(), 3u);
  }
}

TEST(ManifestTest, NoValidSlotStopsStartUpNamingBoth) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  fs.WriteRaw("/w/worker-4.manifest", "ARCMANIFEST 2 7 123\n{}\n");
  fs.WriteRaw("/w/worker-4.manifest.alt", "garbage");
  Manifest m(&fs, "/w", 4);
  const Status st = m.Load();
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("worker-4.manifest:"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("worker-4.manifest.alt:"), std::string::npos) << st.message();
}

// Upgrade: a version 1 file of an earlier build loads as sequence 0. The first write goes to
// the other slot and then overwrites it, so an earlier build (which reads only that name) finds
// a file it refuses, never a stale state it would trust. A crash at any step of that first
// write leaves a manifest that loads, holding the old state or the new one.
TEST(ManifestTest, VersionOneManifestIsReplacedSafelyByTheFirstWrite) {
  const std::string body =
      R"({"worker":1,"watermark":10,"flushed":[{"db":"db","m":"cpu","first":12,"last":14}]})";
  const std::string v1 = "ARCMANIFEST 1 " + std::to_string(MaskCrc(Crc32c(body))) + "\n" + body + "\n";
  for (int ops = 0; ops < 16; ++ops) {
    SCOPED_TRACE(ops);
    test::FaultFileSystem fs;
    ASSERT_TRUE(fs.CreateDirs("/w").ok());
    fs.WriteRaw("/w/worker-1.manifest", v1);
    Manifest m(&fs, "/w", 1);
    ASSERT_TRUE(m.Load().ok());
    EXPECT_EQ(m.watermark(), 10u);
    EXPECT_TRUE(m.IsRecorded("db", "cpu", 12, 14));
    m.Register(11, 1);
    m.Complete("db", "mem", {11});
    fs.FreezeAfter(ops);
    const bool saved = m.Persist().ok();
    fs.Crash();
    Manifest loaded(&fs, "/w", 1);
    ASSERT_TRUE(loaded.Load().ok());
    EXPECT_TRUE(loaded.IsRecorded("db", "cpu", 12, 14));
    EXPECT_TRUE(loaded.watermark() == 10 || loaded.watermark() == 11);
    if (saved) {
      EXPECT_EQ(loaded.watermark(), 11u);
      EXPECT_EQ(Slot(&fs, "/w/worker-1.manifest").rfind("ARCMANIFEST 2 2 ", 0), 0u)
          << "the earlier build's name no longer holds its format";
      EXPECT_EQ(Slot(&fs, "/w/worker-1.manifest.alt").rfind("ARCMANIFEST 2 1 ", 0), 0u);
    }
  }
}

// The first write of a new data directory has no other slot to fall back on: it creates its
// file whole, so a crash at any step leaves no manifest or a valid one, never a start-up error.
TEST(ManifestTest, CrashDuringTheFirstWriteNeverStopsStartUp) {
  for (int ops = 0; ops < 10; ++ops) {
    SCOPED_TRACE(ops);
    test::FaultFileSystem fs;
    ASSERT_TRUE(fs.CreateDirs("/w").ok());
    Manifest m(&fs, "/w", 1);
    ASSERT_TRUE(m.Load().ok());
    m.Register(1, 1);
    m.Complete("db", "cpu", {1});
    fs.FreezeAfter(ops);
    const bool saved = m.Persist().ok();
    Manifest seen(&fs, "/w", 1);  // what a kernel that kept the new name's empty file shows
    EXPECT_TRUE(seen.Load().ok()) << "a slot file is never visible before it is whole";
    fs.Crash();
    Manifest loaded(&fs, "/w", 1);
    ASSERT_TRUE(loaded.Load().ok());
    EXPECT_EQ(loaded.watermark(), saved ? 1u : loaded.watermark());
    EXPECT_TRUE(loaded.watermark() == 0 || loaded.watermark() == 1);
  }
}

// The sequence is under the CRC: a damaged digit cannot make the older slot win.
TEST(ManifestTest, DamagedSequenceFailsTheChecksum) {
  test::FaultFileSystem fs;
  ASSERT_TRUE(fs.CreateDirs("/w").ok());
  {
    Manifest m(&fs, "/w", 1);
    m.Register(1, 1);
    m.Complete("db", "cpu", {1});
    ASSERT_TRUE(m.Persist().ok());  // slot 0, sequence 1
    m.Register(2, 1);
    m.Complete("db", "cpu", {2});
    ASSERT_TRUE(m.Persist().ok());  // slot 1, sequence 2
  }
  std::string old = Slot(&fs, "/w/worker-1.manifest");
  ASSERT_EQ(old.rfind("ARCMANIFEST 2 1 ", 0), 0u);
  old[14] = '9';  // sequence 1 -> 9: would beat sequence 2
  fs.WriteRaw("/w/worker-1.manifest", old);
  Manifest loaded(&fs, "/w", 1);
  ASSERT_TRUE(loaded.Load().ok());
  EXPECT_EQ(loaded.watermark(), 2u);
}

}  // namespace
}  // namespace arc::wal
