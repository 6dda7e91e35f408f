#include "wal/wal_writer.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "util/fault_fs.h"
#include "wal/segment_name.h"
#include "wal/segment_reader.h"

namespace arc::wal {
namespace {

constexpr char kDir[] = "/wal";
constexpr int64_t kNow = 1700000000000000;

std::string Payload(uint64_t n) { return "entry-" + std::to_string(n) + std::string(n % 37, 'p'); }

class WalWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { Reset(); }
  void Reset() {
    fs_ = std::make_unique<test::FaultFileSystem>();
    ASSERT_TRUE(fs_->CreateDirs(kDir).ok());
  }

  std::unique_ptr<WalWriter> Open(SyncMode mode = SyncMode::kFdatasync, uint64_t max_size = 1 << 20,
                                  uint64_t next_lsn = 1) {
    WalOptions o;
    o.dir = kDir;
    o.worker = 1;
    o.sync_mode = mode;
    o.max_size_bytes = max_size;
    o.async_interval = std::chrono::milliseconds(50);
    auto w = WalWriter::Open(fs_.get(), o, next_lsn, 1, 0);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? std::move(*w) : nullptr;
  }

  // Appends and waits for durability; returns the LSN on success.
  Result<uint64_t> AppendDurably(WalWriter* w, const std::string& payload, int64_t now = kNow) {
    Result<uint64_t> lsn = w->Append(payload, now);
    if (!lsn.ok()) return lsn;
    std::promise<Status> p;
    w->WhenDurable(*lsn, [&](Status st) { p.set_value(st); });
    Status st = p.get_future().get();
    if (!st.ok()) return st;
    return lsn;
  }

  // Every entry readable in the WAL directory: LSN → payload (duplicates fail the test).
  std::map<uint64_t, std::string> ReadBack() {
    std::map<uint64_t, std::string> out;
    auto entries = fs_->ListDir(kDir);
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> names;
    for (const DirEntry& e : *entries) {
      if (ParseSegmentName(e.name)) names.push_back(e.name);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& n : names) {
      auto r = SegmentReader::Open(fs_.get(), std::string(kDir) + "/" + n);
      if (!r.ok()) continue;  // a segment whose header did not survive holds nothing acked
      for (ReadEvent e = (*r)->Next(); e.kind != ReadEvent::Kind::kEnd; e = (*r)->Next()) {
        EXPECT_NE(e.kind, ReadEvent::Kind::kCorruption) << n;
        if (e.kind != ReadEvent::Kind::kEntry) continue;
        EXPECT_EQ(out.count(e.lsn), 0u) << "LSN " << e.lsn << " twice";
        out[e.lsn] = std::string(e.payload);
      }
    }
    return out;
  }

  void ExpectAckedSurvive(const std::map<uint64_t, std::string>& acked) {
    const auto back = ReadBack();
    for (const auto& [lsn, payload] : acked) {
      auto it = back.find(lsn);
      ASSERT_NE(it, back.end()) << "acknowledged LSN " << lsn << " lost";
      EXPECT_EQ(it->second, payload);
    }
  }

  std::unique_ptr<test::FaultFileSystem> fs_;
};

TEST_F(WalWriterTest, PowerLossKeepsEveryAcknowledgedEntry) {
  for (int round = 0; round < 20; ++round) {
    Reset();
    std::mt19937 rng(round);
    std::map<uint64_t, std::string> acked;
    {
      auto w = Open(SyncMode::kFdatasync, 600);  // small segments: rotations too
      for (uint64_t i = 1; i <= 40; ++i) {
        if (i % 3 == 0) {
          ASSERT_TRUE(w->Append(Payload(i), kNow).ok());  // written, never acknowledged
          continue;
        }
        auto lsn = AppendDurably(w.get(), Payload(i));
        ASSERT_TRUE(lsn.ok());
        acked[*lsn] = Payload(i);
      }
      fs_->FreezeAfter(0);  // the process dies: its destructor can no longer sync
    }
    fs_->Crash(round % 2 ? &rng : nullptr);  // half the rounds keep a random unsynced prefix
    ExpectAckedSurvive(acked);
  }
}

TEST_F(WalWriterTest, FailedFsyncPoisonsAndNothingIsAcknowledged) {
  auto w = Open();
  ASSERT_TRUE(AppendDurably(w.get(), Payload(1)).ok());
  fs_->FailSyncs(1);
  Result<uint64_t> failed = AppendDurably(w.get(), Payload(2));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("Input/output error"), std::string::npos);
  EXPECT_FALSE(w->health().ok());
  const int syncs = fs_->data_syncs.load();
  Result<uint64_t> later = w->Append(Payload(3), kNow + 10000000);
  ASSERT_FALSE(later.ok()) << "poisoned after EIO: never retried on the same descriptor";
  EXPECT_EQ(later.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fs_->data_syncs.load(), syncs);
  // Once the disk works again the timer heals the log into a fresh segment (regression,
  // issue 10: EIO used to need a restart); the poisoned descriptor is never used again.
  const std::string poisoned_segment = w->segments().back().name;
  EXPECT_FALSE(w->Heal(kNow + 11000000).ok()) << "the first sight of a poison waits a second";
  fs_->FailSyncs(1);  // the disk still fails: the probe's sync fails
  EXPECT_FALSE(w->Heal(kNow + 12100000).ok());
  EXPECT_FALSE(w->Heal(kNow + 12100001).ok()) << "at most one attempt a second";
  ASSERT_TRUE(w->Heal(kNow + 13200000).ok());
  EXPECT_TRUE(w->health().ok());
  auto healed = AppendDurably(w.get(), Payload(4), kNow + 13200001);
  ASSERT_TRUE(healed.ok()) << healed.status().ToString();
  EXPECT_NE(w->segments().back().name, poisoned_segment);
}

// Regression (review of issue 10): the worker asks for durability only after releasing its
// lock, so a heal can come between an append and its WhenDurable; the entry was written to
// the abandoned file and must never be acknowledged.
TEST_F(WalWriterTest, EntryOfAnAbandonedSegmentIsNeverAcknowledged) {
  auto w = Open();
  fs_->FailSyncs(1);
  Result<uint64_t> lsn = w->Append(Payload(1), kNow);
  ASSERT_TRUE(lsn.ok());
  // The syncer only syncs when someone waits: one waiter makes the sync happen and fail.
  std::promise<Status> first;
  w->WhenDurable(*lsn, [&](Status s) { first.set_value(s); });
  ASSERT_FALSE(first.get_future().get().ok());
  ASSERT_FALSE(w->Heal(kNow + 1).ok());  // first sight
  ASSERT_TRUE(w->Heal(kNow + 1100000).ok());
  std::promise<Status> late;
  w->WhenDurable(*lsn, [&](Status s) { late.set_value(s); });
  EXPECT_FALSE(late.get_future().get().ok()) << "written to the abandoned segment";
  auto next = AppendDurably(w.get(), Payload(2), kNow + 1100001);
  EXPECT_TRUE(next.ok()) << next.status().ToString();
}

TEST_F(WalWriterTest, NoSpaceAtEveryByteOfAnAppend) {
  const std::string a = Payload(1), b = Payload(2), c = Payload(3);
  for (size_t k = 0; k < kEntryHeaderSize + b.size(); ++k) {
    Reset();
    std::map<uint64_t, std::string> acked;
    {
      auto w = Open();
      auto la = AppendDurably(w.get(), a);
      ASSERT_TRUE(la.ok());
      acked[*la] = a;
      fs_->SetSpaceLimit(fs_->UsedBytes() + k);
      // The sync modes stage an entry and write it at the group commit (DirectLogFile), so the
      // full disk surfaces there: the entry is never acknowledged, and the log is poisoned.
      Result<uint64_t> lb = AppendDurably(w.get(), b);
      ASSERT_FALSE(lb.ok()) << k;
      EXPECT_NE(lb.status().message().find("No space left on device"), std::string::npos);
      EXPECT_FALSE(w->Append(c, kNow + 1).ok()) << "poisoned: refused until healed";
      EXPECT_FALSE(w->Heal(kNow + 2).ok()) << "no retry within a second";
      fs_->SetSpaceLimit(UINT64_MAX);
      ASSERT_TRUE(w->Heal(kNow + 2000000).ok()) << k;  // heals into a new segment
      auto lc = AppendDurably(w.get(), c, kNow + 2000001);
      ASSERT_TRUE(lc.ok()) << k << " " << lc.status().ToString();
      acked[*lc] = c;
      EXPECT_TRUE(w->health().ok());
    }
    fs_->Crash();
    const auto back = ReadBack();
    ExpectAckedSurvive(acked);
    for (const auto& [lsn, payload] : back) EXPECT_NE(payload, b) << "the failed append never survives whole";
  }
}

// Async mode writes through the page cache at the append (its kill -9 promise), so a full
// disk refuses the append itself with 503.
TEST_F(WalWriterTest, NoSpaceInAsyncModeRefusesTheAppendItself) {
  auto w = Open(SyncMode::kAsync);
  ASSERT_TRUE(AppendDurably(w.get(), Payload(1)).ok());
  fs_->SetSpaceLimit(fs_->UsedBytes() + 10);
  Result<uint64_t> lb = w->Append(Payload(2), kNow);
  ASSERT_FALSE(lb.ok());
  EXPECT_EQ(lb.status().code(), StatusCode::kUnavailable) << "503";
  EXPECT_NE(lb.status().message().find("No space left on device"), std::string::npos);
  fs_->SetSpaceLimit(UINT64_MAX);
  ASSERT_TRUE(w->Heal(kNow + 2000000).ok());
  EXPECT_TRUE(AppendDurably(w.get(), Payload(3), kNow + 2000001).ok());
}

TEST_F(WalWriterTest, CrashAtEveryStepAroundRotation) {
  for (int ops = 0; ops < 40; ++ops) {
    Reset();
    std::map<uint64_t, std::string> acked;
    {
      auto w = Open(SyncMode::kFdatasync, 300);
      fs_->FreezeAfter(ops);
      for (uint64_t i = 1; i <= 12; ++i) {
        auto lsn = AppendDurably(w.get(), Payload(i));
        if (!lsn.ok()) break;  // the crash point
        acked[*lsn] = Payload(i);
      }
    }
    fs_->Crash();
    ExpectAckedSurvive(acked);
  }
}

// Regression (CI, stop 25): this test used to count syncs for 32 threads racing a 5 ms sync
// and failed on a loaded machine (90 syncs, bound 80). Now the first sync is held at a gate
// while 31 threads append behind it, so the bound is exact: one more sync covers them all.
TEST_F(WalWriterTest, GroupCommitSharesSyncsAndNeverAcksEarly) {
  auto w = Open();
  const int synced_at_open = fs_->data_syncs.load();
  std::mutex append_mu;  // a worker serializes appends
  std::atomic<int> early{0}, acks{0};
  auto append_and_wait_async = [&](int id) {
    uint64_t lsn;
    {
      std::lock_guard<std::mutex> lock(append_mu);
      lsn = *w->Append(Payload(id), kNow);
    }
    w->WhenDurable(lsn, [&, lsn](Status st) {
      EXPECT_TRUE(st.ok());
      // The entry must already be in the durable bytes of the segment.
      const std::string path = std::string(kDir) + "/" + w->segments().back().name;
      auto r = SegmentReader::FromBytes(fs_->DurableContent(path));
      bool found = false;
      if (r.ok()) {
        for (ReadEvent e = (*r)->Next(); e.kind == ReadEvent::Kind::kEntry; e = (*r)->Next()) {
          found |= e.lsn == lsn;
        }
      }
      if (!found) ++early;
      ++acks;
    });
  };
  auto wait_for = [](const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return done();
  };

  fs_->HoldSyncs();
  append_and_wait_async(0);
  ASSERT_TRUE(wait_for([&] { return fs_->syncs_waiting() == 1; })) << "the first sync began";
  std::vector<std::thread> threads;
  for (int t = 1; t < 32; ++t) threads.emplace_back([&, t] { append_and_wait_async(t); });
  for (auto& th : threads) th.join();
  EXPECT_EQ(acks.load(), 0) << "nothing is acknowledged while its sync is in flight";
  fs_->ReleaseSyncs();
  ASSERT_TRUE(wait_for([&] { return acks.load() == 32; })) << acks.load() << " of 32 acked";
  EXPECT_EQ(early.load(), 0) << "an acknowledgement preceded the sync covering it";
  const int syncs = fs_->data_syncs.load() - synced_at_open;
  EXPECT_EQ(syncs, 2) << "one sync for the first entry, one shared by the 31 written during it";
}

TEST_F(WalWriterTest, EachModeIssuesTheCallItNames) {
  {
    auto w = Open(SyncMode::kFdatasync);
    ASSERT_TRUE(AppendDurably(w.get(), Payload(1)).ok());
    EXPECT_GE(fs_->data_syncs.load(), 1);
    EXPECT_EQ(fs_->full_syncs.load(), 0);
  }
  Reset();
  {
    auto w = Open(SyncMode::kFsync);
    ASSERT_TRUE(AppendDurably(w.get(), Payload(1)).ok());
    EXPECT_GE(fs_->full_syncs.load(), 1);
    EXPECT_EQ(fs_->data_syncs.load(), 0);
  }
  Reset();
  {
    fs_->SetSyncDelay(std::chrono::microseconds(0));
    auto w = Open(SyncMode::kAsync);
    ASSERT_TRUE(AppendDurably(w.get(), Payload(1)).ok()) << "async acknowledges at once";
    EXPECT_EQ(fs_->data_syncs.load() + fs_->full_syncs.load(), 0) << "no sync on the ack path";
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_GE(fs_->data_syncs.load(), 1) << "background sync within the interval";
  }
}

TEST_F(WalWriterTest, RotationBySizeAndAgeAndDeletionBelowWatermark) {
  auto w = Open(SyncMode::kFdatasync, 200);
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(AppendDurably(w.get(), Payload(i)).ok());
  const auto segs = w->segments();
  ASSERT_GE(segs.size(), 3u);
  EXPECT_GE(w->stats().rotations, 2u);
  std::set<std::string> names;
  for (const auto& s : segs) {
    EXPECT_TRUE(ParseSegmentName(s.name).has_value()) << s.name;
    names.insert(s.name);
  }
  EXPECT_EQ(names.size(), segs.size()) << "unique names even within one second";
  ASSERT_TRUE(w->RotateIfOld(kNow + 3600LL * 1000000 + 1).ok());
  EXPECT_EQ(w->segments().size(), segs.size() + 1) << "age rotation";
  ASSERT_TRUE(w->DeleteSegmentsThrough(segs[1].last_lsn).ok());
  const auto after = w->segments();
  EXPECT_EQ(after.front().name, segs[2].name);
  EXPECT_FALSE(fs_->Exists(std::string(kDir) + "/" + segs[0].name));
  EXPECT_EQ(ReadBack().begin()->first, segs[2].first_lsn);
}

// docs/wal-format.md, "Reusing segment files".
TEST_F(WalWriterTest, RetiredSegmentBecomesTheSpareAndTheNextSegmentIsWrittenIntoIt) {
  const std::string spare = std::string(kDir) + "/" + SpareName(1);
  auto w = Open(SyncMode::kFdatasync, 400);
  std::map<uint64_t, std::string> written;
  uint64_t i = 1;
  auto append = [&] {
    auto lsn = AppendDurably(w.get(), Payload(i));
    ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
    written[*lsn] = Payload(i++);
  };
  while (w->segments().size() < 4) append();
  const auto segs = w->segments();
  ASSERT_TRUE(w->DeleteSegmentsThrough(segs[1].last_lsn).ok());
  EXPECT_TRUE(fs_->Exists(spare)) << "the first retired segment is kept";
  EXPECT_FALSE(fs_->Exists(std::string(kDir) + "/" + segs[0].name));
  EXPECT_FALSE(fs_->Exists(std::string(kDir) + "/" + segs[1].name)) << "one spare at most";
  EXPECT_EQ(w->stats().deleted_segments, 2u);
  const uint64_t spare_size = *fs_->FileSize(spare);

  const size_t before = w->segments().size();
  while (w->segments().size() == before) append();  // the next rotation
  EXPECT_EQ(w->stats().reused_files, 1u);
  EXPECT_FALSE(fs_->Exists(spare));
  const SegmentInfo current = w->segments().back();
  EXPECT_LT(current.size, spare_size);
  EXPECT_EQ(*fs_->FileSize(std::string(kDir) + "/" + current.name), spare_size)
      << "written over the old bytes in place, not truncated";
  std::map<uint64_t, std::string> expected;
  for (const auto& [lsn, payload] : written) {
    if (lsn > segs[1].last_lsn) expected[lsn] = payload;
  }
  EXPECT_EQ(ReadBack(), expected) << "the spare's old entries never read back (nor corruption)";
}

TEST_F(WalWriterTest, NoSpareFromSmallSegmentsOrInAsyncModeOrWhenDisabled) {
  const std::string spare = std::string(kDir) + "/" + SpareName(1);
  {
    auto w = Open(SyncMode::kFdatasync, 1 << 20);  // rotated by age, far below half the size
    ASSERT_TRUE(AppendDurably(w.get(), Payload(1)).ok());
    const int64_t later = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() +
                          2 * 3600LL * 1000000;  // the first segment is named by the clock
    ASSERT_TRUE(w->RotateIfOld(later).ok());
    ASSERT_EQ(w->segments().size(), 2u);
    ASSERT_TRUE(w->DeleteSegmentsThrough(1).ok());
    EXPECT_EQ(w->stats().deleted_segments, 1u);
    EXPECT_FALSE(fs_->Exists(spare));
  }
  Reset();
  {
    auto w = Open(SyncMode::kAsync, 200);
    for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(AppendDurably(w.get(), Payload(i)).ok());
    ASSERT_TRUE(w->DeleteSegmentsThrough(w->segments()[1].last_lsn).ok());
    EXPECT_FALSE(fs_->Exists(spare)) << "async writes through the page cache: nothing to gain";
  }
  Reset();
  {
    WalOptions o;
    o.dir = kDir;
    o.max_size_bytes = 200;
    o.reuse_segment_files = false;
    auto w = WalWriter::Open(fs_.get(), o, 1, 1, 0);
    ASSERT_TRUE(w.ok());
    for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(AppendDurably(w->get(), Payload(i)).ok());
    ASSERT_TRUE((*w)->DeleteSegmentsThrough((*w)->segments()[1].last_lsn).ok());
    EXPECT_FALSE(fs_->Exists(spare));
  }
}

TEST_F(WalWriterTest, SpareLeftByAnEarlierRunIsReusedAtOpenUnlessTooLargeOrReuseIsOff) {
  const std::string spare = std::string(kDir) + "/" + SpareName(1);
  fs_->WriteRaw(spare, std::string(5000, 'o'));  // any old bytes
  {
    auto w = Open(SyncMode::kFdatasync, 1 << 20, 77);
    EXPECT_EQ(w->stats().reused_files, 1u);
    EXPECT_FALSE(fs_->Exists(spare));
    ASSERT_TRUE(AppendDurably(w.get(), Payload(77)).ok());
    EXPECT_EQ(ReadBack(), (std::map<uint64_t, std::string>{{77, Payload(77)}}));
  }
  Reset();
  fs_->WriteRaw(spare, std::string(5000, 'o'));
  {
    auto w = Open(SyncMode::kFdatasync, 512);  // max_size_mb lowered below the spare's size
    EXPECT_EQ(w->stats().reused_files, 0u);
    EXPECT_FALSE(fs_->Exists(spare)) << "deleted: its old tail would only cost a scan";
  }
  Reset();
  fs_->WriteRaw(spare, std::string(5000, 'o'));
  {
    auto w = Open(SyncMode::kAsync, 1 << 20);
    EXPECT_EQ(w->stats().reused_files, 0u);
    EXPECT_FALSE(fs_->Exists(spare)) << "a mode that never reuses it deletes it";
  }
}

// Regression (review of 2b08254): healing after ENOSPC needs space, which a spare holds, and
// a segment whose write or sync failed may sit on failing blocks.
TEST_F(WalWriterTest, HealingDeletesTheSpareAndAFailedSegmentIsNeverKept) {
  const std::string spare = std::string(kDir) + "/" + SpareName(1);
  auto w = Open(SyncMode::kFdatasync, 400);
  uint64_t i = 1;
  while (w->segments().size() < 3) ASSERT_TRUE(AppendDurably(w.get(), Payload(i++)).ok());
  ASSERT_TRUE(w->DeleteSegmentsThrough(w->segments()[1].last_lsn).ok());  // one kept, one not
  ASSERT_TRUE(fs_->Exists(spare));
  ASSERT_EQ(w->segments().size(), 1u);
  // Fill the current segment past half its size, then fail a sync.
  while (w->segments().back().size < 250) ASSERT_TRUE(AppendDurably(w.get(), Payload(i++)).ok());
  const std::string failed = w->segments().back().name;
  fs_->FailSyncs(1);
  EXPECT_FALSE(AppendDurably(w.get(), Payload(i++)).ok());
  EXPECT_FALSE(w->Heal(kNow + 2000000).ok()) << "a sync failure first seen now: retried later";
  ASSERT_TRUE(w->Heal(kNow + 4000000).ok());
  EXPECT_FALSE(fs_->Exists(spare)) << "healing deletes the spare (and never writes into it)";
  EXPECT_EQ(w->stats().reused_files, 0u);
  ASSERT_TRUE(AppendDurably(w.get(), Payload(i++)).ok());
  ASSERT_TRUE(w->DeleteSegmentsThrough(w->last_lsn()).ok());
  EXPECT_FALSE(fs_->Exists(std::string(kDir) + "/" + failed));
  EXPECT_FALSE(fs_->Exists(spare)) << "the failed segment was unlinked, not kept";
}

// A crash at any operation while a rotation writes into the spare: every acknowledged entry
// survives, no retired entry comes back, nothing reads as corruption, and a writer opened on
// what is left works.
TEST_F(WalWriterTest, CrashAtEveryStepAroundReuse) {
  const std::string spare = std::string(kDir) + "/" + SpareName(1);
  for (int ops = 0; ops < 40; ++ops) {
    Reset();
    std::map<uint64_t, std::string> acked;
    uint64_t watermark = 0, i = 1;
    {
      auto w = Open(SyncMode::kFdatasync, 300);
      while (w->segments().size() < 3) {
        auto lsn = AppendDurably(w.get(), Payload(i));
        ASSERT_TRUE(lsn.ok());
        acked[*lsn] = Payload(i++);
      }
      watermark = w->segments()[0].last_lsn;
      ASSERT_TRUE(w->DeleteSegmentsThrough(watermark).ok());
      ASSERT_TRUE(fs_->Exists(spare));
      fs_->FreezeAfter(ops);
      for (int k = 0; k < 12; ++k) {
        auto lsn = AppendDurably(w.get(), Payload(i));
        if (!lsn.ok()) break;  // the crash point
        acked[*lsn] = Payload(i++);
      }
    }
    fs_->Crash();
    for (auto it = acked.begin(); it != acked.end();) {
      it = it->first <= watermark ? acked.erase(it) : std::next(it);
    }
    ExpectAckedSurvive(acked);
    for (const auto& [lsn, payload] : ReadBack()) {
      EXPECT_GT(lsn, watermark) << "a retired entry came back (crash after " << ops << " ops)";
    }
    auto w = Open(SyncMode::kFdatasync, 300, i + 100);
    ASSERT_NE(w, nullptr);
    EXPECT_TRUE(AppendDurably(w.get(), Payload(i + 100)).ok());
  }
}

// On the real disk (DirectLogFile): entries whose payload is written in place (the live write
// path encodes a request straight into the staging buffer) and copied ones, interleaved, read
// back whole with their CRCs.
TEST(WalWriterDiskTest, EntriesFilledInPlaceReadBackWithMatchingCrcs) {
  std::string dir = (std::filesystem::temp_directory_path() / "arc-walw-XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::map<uint64_t, std::string> expect;
  {
    WalOptions o;
    o.dir = dir;
    auto w = WalWriter::Open(DefaultFileSystem(), o, 1, 1, 0);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    for (uint64_t i = 0; i < 40; ++i) {
      const std::string payload = Payload(i * 997) + std::string(i * 311, static_cast<char>(i));
      Result<uint64_t> lsn =
          i % 2 == 0 ? (*w)->Append(payload, kNow)
                     : (*w)->Append(payload.size(),
                                    [&](char* out) { std::memcpy(out, payload.data(), payload.size()); },
                                    kNow);
      ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
      expect[*lsn] = payload;
      std::promise<Status> p;
      (*w)->WhenDurable(*lsn, [&](Status st) { p.set_value(st); });
      ASSERT_TRUE(p.get_future().get().ok());
    }
  }
  std::map<uint64_t, std::string> back;
  auto entries = DefaultFileSystem()->ListDir(dir);
  ASSERT_TRUE(entries.ok());
  for (const DirEntry& e : *entries) {
    if (!ParseSegmentName(e.name)) continue;
    auto r = SegmentReader::Open(DefaultFileSystem(), dir + "/" + e.name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    for (ReadEvent ev = (*r)->Next(); ev.kind != ReadEvent::Kind::kEnd; ev = (*r)->Next()) {
      ASSERT_EQ(ev.kind, ReadEvent::Kind::kEntry) << "LSN " << ev.lsn << ": a CRC or length mismatch";
      back[ev.lsn] = std::string(ev.payload);
    }
  }
  std::filesystem::remove_all(dir);
  EXPECT_EQ(back, expect);
}

TEST(SegmentNameTest, SpareNames) {
  EXPECT_EQ(SpareName(3), "worker-3.spare");
  EXPECT_EQ(ParseSpareName("worker-3.spare"), 3);
  for (const char* other : {"worker-0.spare", "worker-01.spare", "worker-3.spare.tmp",
                            "worker-3.spar", "worker-3-20251008_143000.wal", "worker-.spare"}) {
    EXPECT_FALSE(ParseSpareName(other).has_value()) << other;
  }
  EXPECT_FALSE(ParseSegmentName("worker-3.spare").has_value()) << "never read as a segment";
}

}  // namespace
}  // namespace arc::wal
