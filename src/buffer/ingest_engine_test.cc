// Crash tests of the whole write path: WAL on a fault-injecting file system, Parquet on a real
// directory, DuckDB counting what survived. Every acknowledged record must be in Parquet
// exactly once after recovery.
#include "buffer/ingest_engine.h"

#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "storage/local_storage.h"
#include "util/fault_fs.h"
#include "util/parquet_reader.h"
#include "util/test_util.h"

namespace arc {
namespace {

// Local storage that can be switched off (a crashed process writes nothing more).
class SwitchableStorage final : public Storage {
 public:
  explicit SwitchableStorage(const std::string& root) : inner_(DefaultFileSystem(), root) {
    EXPECT_TRUE(inner_.Open().ok());
  }
  std::string NewTempPath() override { return inner_.NewTempPath(); }
  Status Commit(const std::string& t, const std::string& r, uint64_t* bytes) override {
    if (down) return Status::IOError("storage down (simulated)");
    Status st = inner_.Commit(t, r, bytes);
    if (st.ok() && after_first_commit) {
      auto hook = std::move(after_first_commit);
      after_first_commit = nullptr;
      hook();
    }
    return st;
  }
  void Discard(const std::string& t) override { inner_.Discard(t); }
  Result<std::vector<std::string>> List(const std::string& d) override { return inner_.List(d); }
  Status Delete(const std::string& r) override {
    if (down) return Status::IOError("storage down (simulated)");
    return inner_.Delete(r);
  }
  Result<bool> Exists(const std::string& r) override { return inner_.Exists(r); }
  std::string Describe() const override { return "switchable"; }
  std::atomic<bool> down{false};
  std::function<void()> after_first_commit;  // runs on the flusher thread

 private:
  LocalStorage inner_;
};

class EngineCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Reset();
    config_.server.workers = 2;
    config_.ingest.flush_workers = 1;
    config_.ingest.max_buffer_size = 1000000;
    config_.ingest.max_buffer_age_ms = 3600000;
    config_.wal.enabled = true;
    config_.wal.dir = "/wal";
    config_.wal.max_size_mb = 1;
    ResolveAutomaticValues(&config_);
  }

  // A fresh WAL file system and storage directory.
  void Reset() {
    engine_.reset();
    storage_.reset();
    dir_ = std::make_unique<test::TempDir>();
    fs_ = std::make_unique<test::FaultFileSystem>();
    storage_ = std::make_unique<SwitchableStorage>(dir_->path());
  }

  void Start(bool hold_replayed_flush = false) {
    IngestEngine::Options o;
    o.shutdown_give_up = std::chrono::milliseconds(0);
    o.hold_replayed_flush = hold_replayed_flush;
    auto e = IngestEngine::Start(config_, storage_.get(), fs_.get(), o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  // Writes records [from, to) one request each; returns the ids acknowledged.
  std::set<int64_t> Write(int64_t from, int64_t to, int per_request = 5) {
    std::set<int64_t> acked;
    for (int64_t id = from; id < to; id += per_request) {
      BatchSet set("db");
      Batch* b = nullptr;
      EXPECT_TRUE(set.GetOrCreate(id % 2 ? "odd" : "even", &b).ok());
      int col = b->AddColumn("id", ColumnType::kInt64, false);
      for (int64_t k = id; k < std::min(to, id + per_request); ++k) {
        b->columns[col].AppendInt(k);
        b->FinishRow(1700000000000000 + k * 1000000);  // 1 s apart: several hours overall
      }
      std::promise<Status> p;
      engine_->Write(std::move(set), [&](Status st) { p.set_value(st); });
      if (p.get_future().get().ok()) {
        for (int64_t k = id; k < std::min(to, id + per_request); ++k) acked.insert(k);
      }
    }
    return acked;
  }

  // The process dies: nothing reaches the file system or storage any more, then the power
  // goes too (unsynced bytes vanish).
  void Crash() {
    fs_->FreezeAfter(0);
    storage_->down = true;
    engine_.reset();
    fs_->Crash();
    storage_->down = false;
  }

  void StopCleanly() {
    EXPECT_TRUE(engine_->FlushAll(std::chrono::seconds(30)));  // replayed rows flush in the background
    engine_->Shutdown();
    engine_.reset();
  }

  // Every id in Parquet, with how many times it appears.
  std::map<int64_t, int> Stored() {
    std::map<int64_t, int> out;
    if (test::FindFiles(dir_->path() + "/db", ".parquet").empty()) return out;
    for (const auto& row : test::Query("SELECT id, count(*) FROM read_parquet('" + dir_->path() +
                                       "/db/*/*/*/*/*/*.parquet') GROUP BY id")) {
      out[std::stoll(row[0])] = std::stoi(row[1]);
    }
    return out;
  }

  void ExpectExactlyOnce(const std::set<int64_t>& acked, int64_t max_sent) {
    const std::map<int64_t, int> stored = Stored();
    for (int64_t id : acked) {
      auto it = stored.find(id);
      ASSERT_NE(it, stored.end()) << "acknowledged id " << id << " lost";
      EXPECT_EQ(it->second, 1) << "id " << id << " stored " << it->second << " times";
    }
    for (const auto& [id, n] : stored) {
      EXPECT_LT(id, max_sent) << "id " << id << " was never sent";
      EXPECT_EQ(n, 1) << "id " << id << " stored " << n << " times";
    }
  }

  std::unique_ptr<test::TempDir> dir_;
  std::unique_ptr<test::FaultFileSystem> fs_;
  std::unique_ptr<SwitchableStorage> storage_;
  Config config_;
  std::unique_ptr<IngestEngine> engine_;
};

TEST_F(EngineCrashTest, RepeatedCrashesLoseNothingAndStoreNothingTwice) {
  config_.ingest.max_buffer_size = 40;  // flushes happen between crashes
  std::set<int64_t> acked;
  int64_t next = 0;
  for (int round = 0; round < 5; ++round) {
    Start();
    for (int64_t id : Write(next, next + 200)) acked.insert(id);
    next += 200;
    Crash();
  }
  Start();
  StopCleanly();
  EXPECT_EQ(acked.size(), 1000u);
  ExpectExactlyOnce(acked, next);
}

TEST_F(EngineCrashTest, CrashAtEveryStepOfMarkCompleted) {
  for (int ops = 0; ops < 12; ++ops) {
    SCOPED_TRACE(ops);
    Reset();
    Start();
    const std::set<int64_t> acked = Write(0, 60);
    fs_->FreezeAfter(ops);  // Parquet gets written; the manifest / segment steps crash
    engine_->FlushAll(std::chrono::seconds(10));
    Crash();
    Start();
    StopCleanly();
    ExpectExactlyOnce(acked, 60);
  }
}

// The crash hits between a flush's Parquet commit and its manifest update while more
// acknowledged records of the same measurement wait in the buffer: replay groups them
// differently from the live flush, so only deleting the orphan prevents duplicates.
TEST_F(EngineCrashTest, OrphanFromACrashBetweenParquetAndManifestIsReplacedNotDuplicated) {
  config_.server.workers = 1;
  for (int ops = 0; ops < 12; ++ops) {
    SCOPED_TRACE(ops);
    Reset();
    Start();
    std::set<int64_t> acked = Write(0, 40);
    std::set<int64_t> late;
    storage_->after_first_commit = [&] {
      late = Write(40, 60);      // acknowledged while the first flush is being recorded
      fs_->FreezeAfter(ops);     // then the process dies somewhere in the manifest steps
    };
    engine_->FlushAll(std::chrono::seconds(10));
    Crash();
    Start();
    StopCleanly();
    acked.insert(late.begin(), late.end());
    EXPECT_EQ(late.size(), 20u);
    ExpectExactlyOnce(acked, 60);
  }
}

// The server holds the replayed rows' flush until its port is open (the start-up after the
// replay then has the cores): nothing is written before the release, everything after it.
TEST_F(EngineCrashTest, HeldReplayFlushWaitsForTheReleaseThenStoresEverythingOnce) {
  Start();
  const std::set<int64_t> acked = Write(0, 40);
  Crash();
  Start(/*hold_replayed_flush=*/true);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(Stored().empty()) << "flushed before the release";
  EXPECT_TRUE(engine_->HasBuffered("db", "odd"));
  engine_->ReleaseReplayedFlush();
  engine_->ReleaseReplayedFlush();  // a second call changes nothing
  StopCleanly();
  ExpectExactlyOnce(acked, 40);
}

// A held flush is not lost when the process stops before the release (start-up failed after
// the replay): shutdown writes the replayed rows.
TEST_F(EngineCrashTest, HeldReplayFlushIsWrittenAtShutdownWithoutARelease) {
  Start();
  const std::set<int64_t> acked = Write(0, 40);
  Crash();
  IngestEngine::Options o;
  o.shutdown_give_up = std::chrono::seconds(30);  // the fixture's 0 would give up at once
  o.hold_replayed_flush = true;
  auto e = IngestEngine::Start(config_, storage_.get(), fs_.get(), o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  (*e)->Shutdown();
  e->reset();
  ExpectExactlyOnce(acked, 40);
}

TEST_F(EngineCrashTest, CrashDuringRecoveryThenRecoverAgain) {
  Start();
  const std::set<int64_t> acked = Write(0, 100);
  Crash();
  for (int ops = 0; ops < 8; ++ops) {
    fs_->FreezeAfter(ops);  // the next recovery dies part way through
    Start();
    Crash();
  }
  Start();
  StopCleanly();
  ExpectExactlyOnce(acked, 100);
}

TEST_F(EngineCrashTest, RecoveryWorksWhenTheWalDiskIsFull) {
  Start();
  const std::set<int64_t> acked = Write(0, 50);
  Crash();
  fs_->SetSpaceLimit(fs_->UsedBytes());  // not one byte more
  Start();  // replays and flushes to storage; cannot open new segments
  std::promise<Status> p;
  BatchSet set("db");
  Batch* b = nullptr;
  ASSERT_TRUE(set.GetOrCreate("odd", &b).ok());
  b->columns[b->AddColumn("id", ColumnType::kInt64, false)].AppendInt(999);
  b->FinishRow(1700000000000000);
  engine_->Write(std::move(set), [&](Status st) { p.set_value(st); });
  const Status st = p.get_future().get();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("No space"), std::string::npos) << st.message();
  fs_->SetSpaceLimit(UINT64_MAX);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // the timer retries each second
  const std::set<int64_t> more = Write(100, 110);
  EXPECT_EQ(more.size(), 10u) << "writes resume once space is back";
  StopCleanly();
  std::set<int64_t> all = acked;
  all.insert(more.begin(), more.end());
  ExpectExactlyOnce(all, 110);
}

// Regression: with the WAL directory deleted by hand, LSNs started again at 1 and new Parquet
// files took the names (w<k>-<first>-<last>) of old ones, silently replacing their rows.
TEST_F(EngineCrashTest, DeletedWalDirectoryNeverReusesParquetNames) {
  Start();
  std::set<int64_t> acked = Write(0, 30);
  StopCleanly();
  auto files = fs_->ListDir("/wal");
  ASSERT_TRUE(files.ok());
  for (const DirEntry& e : *files) ASSERT_TRUE(fs_->Remove("/wal/" + e.name).ok());
  Start();
  const std::set<int64_t> more = Write(100, 130);
  StopCleanly();
  acked.insert(more.begin(), more.end());
  ExpectExactlyOnce(acked, 130);
}

TEST_F(EngineCrashTest, SegmentOfAnotherWorkerIsKeptNotReplayed) {
  Start();
  const std::set<int64_t> acked = Write(0, 20);
  Crash();
  // Copy worker 2's segment under a worker-1 name: its header still says worker 2.
  auto files = fs_->ListDir("/wal");
  std::string w2;
  for (const DirEntry& e : *files) {
    if (e.name.rfind("worker-2-", 0) == 0) w2 = e.name;
  }
  ASSERT_FALSE(w2.empty());
  const std::string impostor = "/wal/worker-1-20000101_000000.wal";
  fs_->WriteRaw(impostor, *fs_->ReadFile("/wal/" + w2));
  Start();
  StopCleanly();
  ExpectExactlyOnce(acked, 20);  // worker 2's entries replayed once, by worker 2
  EXPECT_TRUE(fs_->Exists(impostor)) << "a segment recovery cannot place is kept";
}

TEST_F(EngineCrashTest, PoisonedWorkerIsSkippedAndHealthSaysWhy) {
  Start();
  fs_->FailSyncs(1);
  std::set<int64_t> acked = Write(0, 40);
  EXPECT_GE(acked.size(), 30u) << "the healthy worker keeps taking writes";
  const std::vector<Status> health = engine_->worker_health();
  const int bad = std::count_if(health.begin(), health.end(), [](const Status& s) { return !s.ok(); });
  EXPECT_EQ(bad, 1);
  StopCleanly();
  ExpectExactlyOnce(acked, 40);
}

}  // namespace
}  // namespace arc

namespace arc {
namespace {

// The catalogue's schema view of rows in memory (InfluxQL plans every SELECT with it): the
// columns of buffered rows, with types and tags, without copying the rows.
TEST_F(EngineCrashTest, SnapshotColumnsNamesTheColumnsOfRowsInMemory) {
  Start();
  ASSERT_EQ(Write(0, 10).size(), 10u);
  bool listed = false;
  std::vector<SchemaColumn> columns;
  engine_->SnapshotColumns("db", "odd", [&] { listed = true; }, &columns);
  EXPECT_TRUE(listed);
  ASSERT_FALSE(columns.empty());
  for (const SchemaColumn& c : columns) {
    EXPECT_EQ(c.name, "id");
    EXPECT_EQ(c.type, ColumnType::kInt64);
    EXPECT_FALSE(c.is_tag);
  }
  columns.clear();
  engine_->SnapshotColumns("db", "nope", [] {}, &columns);
  EXPECT_TRUE(columns.empty());
}

}  // namespace
}  // namespace arc
