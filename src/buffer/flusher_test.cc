#include "buffer/flusher.h"

#include <gtest/gtest.h>

#include <thread>

#include <atomic>

#include "storage/local_storage.h"
#include "storage/partition_layout.h"
#include "util/parquet_reader.h"
#include "util/test_util.h"

namespace arc {
namespace {

// Local storage whose first `failures` commits fail (a storage outage).
class FlakyStorage final : public Storage {
 public:
  FlakyStorage(const std::string& root, int failures) : inner_(DefaultFileSystem(), root), failures_(failures) {
    EXPECT_TRUE(inner_.Open().ok());
  }
  std::string NewTempPath() override { return inner_.NewTempPath(); }
  Status Commit(const std::string& temp, const std::string& rel, uint64_t* bytes) override {
    ++commits_;
    if (failures_-- > 0) return Status::IOError("injected storage failure");
    if (fail_after_ >= 0 && fail_after_-- == 0) return Status::IOError("injected storage failure");
    return inner_.Commit(temp, rel, bytes);
  }
  // The commit after the next `n` succeeds fails.
  void FailNextCommitsAfter(int n) { fail_after_ = n; }
  void Discard(const std::string& temp) override { inner_.Discard(temp); }
  Result<std::vector<std::string>> List(const std::string& dir) override { return inner_.List(dir); }
  Status Delete(const std::string& rel) override { return inner_.Delete(rel); }
  Result<bool> Exists(const std::string& rel) override { return inner_.Exists(rel); }
  std::string Describe() const override { return "flaky"; }
  std::atomic<int> commits_{0};

 private:
  LocalStorage inner_;
  std::atomic<int> failures_;
  std::atomic<int> fail_after_{-1};
};

Batch OneRow(const std::string& m, int64_t v, int64_t time_us) {
  Batch b;
  b.database = "db";
  b.measurement = m;
  int col = b.AddColumn("v", ColumnType::kInt64, false);
  b.columns[col].AppendInt(v);
  b.FinishRow(time_us);
  return b;
}

FlushJob OneRowJob(int seq, const std::string& m = "m") {
  std::vector<Batch> batches;
  batches.push_back(OneRow(m, seq, 1700000000000000 + seq));
  FlushJob job;
  job.parts.push_back(MakePart({"db", m, "s" + std::to_string(seq)}, std::move(batches), {}));
  return job;
}

// Held (start-up replay), queued jobs wait until Release, except past a pending bound: here
// the parts bound (1), which a replay of many small measurements would pass first.
TEST(FlusherTest, HeldJobsWaitForReleaseUnlessPastAPendingBound) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 0);
  Flusher::Options o{1, 1000, ParquetCompression::kSnappy};
  auto f = Flusher::Start(&storage, o);
  ASSERT_TRUE(f.ok());
  (*f)->Hold();
  (*f)->Submit(OneRowJob(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ((*f)->stats().rows_written, 0u) << "held";
  (*f)->Release();
  (*f)->Drain();
  EXPECT_EQ((*f)->stats().rows_written, 1u);
  (*f)->Stop(std::chrono::seconds(1));

  o.max_pending_parts = 1;
  auto g = Flusher::Start(&storage, o);
  ASSERT_TRUE(g.ok());
  (*g)->Hold();
  (*g)->Submit(OneRowJob(2, "a"));
  (*g)->Submit(OneRowJob(3, "b"));  // two parts queued: past the bound
  (*g)->Drain();
  EXPECT_EQ((*g)->stats().rows_written, 2u) << "written while held, down to the bound";
  (*g)->Release();
  (*g)->Stop(std::chrono::seconds(1));
}

// Regression: a hold ended at the rows bound (4 buffers per worker by default), so a
// 100 MB WAL replayed while half of it was flushing on the same cores. The hold now ends
// only past the memory (bytes) and parts bounds.
TEST(FlusherTest, HeldJobsWaitPastTheRowsBoundButNotPastTheBytesBound) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 0);
  Flusher::Options o{1, 1, ParquetCompression::kSnappy};  // one pending row is the bound
  auto f = Flusher::Start(&storage, o);
  ASSERT_TRUE(f.ok());
  (*f)->Hold();
  (*f)->Submit(OneRowJob(1, "a"));
  (*f)->Submit(OneRowJob(2, "b"));  // two rows pending: past the rows bound
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ((*f)->stats().rows_written, 0u) << "the rows bound does not end a hold";
  EXPECT_EQ((*f)->stats().pending_rows, 2);
  (*f)->Release();
  (*f)->Drain();
  EXPECT_EQ((*f)->stats().rows_written, 2u);
  (*f)->Stop(std::chrono::seconds(1));

  o.max_pending_rows = 1000;
  o.max_pending_bytes = 1;  // any queued row is past it
  auto g = Flusher::Start(&storage, o);
  ASSERT_TRUE(g.ok());
  (*g)->Hold();
  (*g)->Submit(OneRowJob(3, "c"));
  (*g)->Drain();
  EXPECT_EQ((*g)->stats().rows_written, 1u) << "written while held: past the bytes bound";
  (*g)->Release();
  (*g)->Stop(std::chrono::seconds(1));
}

TEST(FlusherTest, FailedFlushIsRetriedUntilItSucceeds) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 2);
  auto f = Flusher::Start(&storage, {1, 1000, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  (*f)->Submit(OneRowJob(7));
  (*f)->Drain();
  const FlusherStats s = (*f)->stats();
  EXPECT_EQ(s.errors, 2u);
  EXPECT_EQ(s.rows_written, 1u);
  EXPECT_EQ(s.pending_rows, 0);
  EXPECT_EQ(s.pending_parts, 0);
  EXPECT_EQ(storage.commits_.load(), 3);
  EXPECT_EQ(test::QueryValue("SELECT sum(v) FROM '" + dir.path() + "/db/m/*/*/*/*/*.parquet'"), "7");
  (*f)->Stop(std::chrono::seconds(1));
}

// WaitWritten waits for the parts of one measurement submitted up to a number, including
// retries of failed attempts, and not for later ones or other measurements.
TEST(FlusherTest, WaitWrittenCoversRetriesOfEarlierPartsOnly) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 2);  // the first job fails twice (backoff 200 + 400 ms)
  auto f = Flusher::Start(&storage, {1, 1000, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  (*f)->Submit(OneRowJob(1, "a"));
  const uint64_t through = (*f)->last_submitted();
  EXPECT_EQ(through, 1u);
  EXPECT_TRUE((*f)->WaitWritten("db", "b", through, std::chrono::milliseconds(0)))
      << "nothing of b was submitted";
  EXPECT_FALSE((*f)->WaitWritten("db", "a", through, std::chrono::milliseconds(50)))
      << "a is still being retried";
  EXPECT_TRUE((*f)->WaitWritten("db", "a", through, std::chrono::seconds(10)));
  EXPECT_EQ((*f)->stats().rows_written, 1u) << "written, not just dequeued";
  EXPECT_EQ(storage.commits_.load(), 3);
  (*f)->Stop(std::chrono::seconds(1));
}

// Regression: when the second hour of a flush failed to publish, the first hour's file stayed
// visible while the job (all its rows) waited in memory for a retry: a query counted it twice.
TEST(FlusherTest, FailedPublishWithdrawsTheHoursItPublished) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 0);
  auto w = ParquetWriter::Create(&storage, ParquetCompression::kZstd);
  ASSERT_TRUE(w.ok());
  std::vector<Batch> batches;
  batches.push_back(OneRow("m", 1, 1700000000000000));
  batches.push_back(OneRow("m", 2, 1700000000000000 + 3600LL * 1000000));  // a second hour
  auto prepared = (*w)->Prepare({"db", "m", "s"}, batches);
  ASSERT_TRUE(prepared.ok());
  ASSERT_EQ(prepared->size(), 2u);
  storage.FailNextCommitsAfter(1);  // the first hour commits, the second fails
  EXPECT_FALSE(storage.CommitAll(&*prepared).ok());
  EXPECT_TRUE(test::FindFiles(dir.path() + "/db", ".parquet").empty()) << "nothing half-published";
  EXPECT_TRUE(test::FindFiles(dir.path() + "/.tmp", "").empty()) << "no temp file left";
}

TEST(FlusherTest, AdmissionWaitsForRoom) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 1000000);  // storage down: nothing drains
  auto f = Flusher::Start(&storage, {1, 2, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->WaitForRoom(std::chrono::milliseconds(1)));
  (*f)->Submit(OneRowJob(1));
  (*f)->Submit(OneRowJob(2));
  EXPECT_FALSE((*f)->WaitForRoom(std::chrono::milliseconds(50))) << "2 pending rows reach the limit";
  EXPECT_FALSE((*f)->HasRoom());
  (*f)->Stop(std::chrono::seconds(0));
  EXPECT_EQ((*f)->stats().rows_dropped, 2u) << "loss at shutdown is counted, never silent";
}

TEST(FlusherTest, PendingFilesCountForRoomToo) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 1000000);
  Flusher::Options o{1, 1000000, ParquetCompression::kZstd};
  o.max_pending_parts = 3;
  auto f = Flusher::Start(&storage, o);
  ASSERT_TRUE(f.ok());
  FlushJob job;
  for (int i = 0; i < 3; ++i) job.parts.push_back(std::move(OneRowJob(i, "m" + std::to_string(i)).parts[0]));
  (*f)->Submit(std::move(job));
  EXPECT_FALSE((*f)->HasRoom()) << "3 rows, but 3 measurements (files) waiting";
  (*f)->Stop(std::chrono::seconds(0));
}

TEST(FlusherTest, ManyJobsOnSeveralThreads) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 0);
  auto f = Flusher::Start(&storage, {2, 1000000, ParquetCompression::kSnappy});
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < 40; ++i) (*f)->Submit(OneRowJob(i));
  (*f)->Drain();
  EXPECT_EQ(test::QueryValue("SELECT count(*) || ',' || sum(v) FROM '" + dir.path() +
                             "/db/m/*/*/*/*/*.parquet'"),
            "40,780");
}

TEST(FlusherTest, ManyMeasurementsInOneJobPublishTogether) {
  test::TempDir dir;
  LocalStorage storage(DefaultFileSystem(), dir.path());
  ASSERT_TRUE(storage.Open().ok());
  std::vector<size_t> parts_seen;
  auto f = Flusher::Start(&storage, {1, 1000000, ParquetCompression::kZstd},
                          [&](const FlushJob& job, const std::vector<DataFile>& files) {
                            parts_seen.push_back(job.parts.size());
                            EXPECT_EQ(files.size(), job.parts.size());
                          });
  ASSERT_TRUE(f.ok());
  FlushJob job;
  for (int i = 0; i < 50; ++i) job.parts.push_back(std::move(OneRowJob(i, "m" + std::to_string(i)).parts[0]));
  (*f)->Submit(std::move(job));
  (*f)->Drain();
  EXPECT_EQ(parts_seen, std::vector<size_t>{50}) << "one completion (one manifest update) for all";
  EXPECT_EQ(test::FindFiles(dir.path() + "/db", ".parquet").size(), 50u);
}

// A part whose rows the writer cannot take is split into its requests; the request that fails
// alone goes to the quarantine, every other row is written, and nothing is retried forever.
TEST(FlusherTest, PoisonRequestIsIsolatedAndQuarantined) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 0);
  Quarantine quarantine(DefaultFileSystem(), dir.path() + "/.quarantine");
  ASSERT_TRUE(quarantine.Open().ok());
  std::vector<uint64_t> completed;
  auto f = Flusher::Start(&storage, {1, 1000000, ParquetCompression::kZstd},
                          [&](const FlushJob& job, const std::vector<DataFile>&) {
                            for (const FlushPart& p : job.parts) {
                              completed.insert(completed.end(), p.lsns.begin(), p.lsns.end());
                            }
                          },
                          nullptr, &quarantine);
  ASSERT_TRUE(f.ok());
  std::vector<Batch> batches;
  batches.push_back(OneRow("m", 1, 1700000000000000));
  Batch poison = OneRow("m", 2, 1700000000000001);
  // A column named like the time column (ingest refuses it; an older WAL may hold it): the
  // writer refuses a duplicate column name, every time.
  poison.columns[poison.AddColumn("time", ColumnType::kInt64, false)].AppendInt(1);
  batches.push_back(std::move(poison));
  batches.push_back(OneRow("m", 3, 1700000000000002));
  FlushJob job;
  job.worker = 1;
  job.parts.push_back(MakePart({"db", "m", WalFlushStem(1, 10, 12)}, std::move(batches), {10, 11, 12}));
  (*f)->Submit(std::move(job));
  (*f)->Drain();
  std::sort(completed.begin(), completed.end());
  EXPECT_EQ(completed, (std::vector<uint64_t>{10, 11, 12})) << "the watermark may pass all three";
  EXPECT_EQ(test::QueryValue("SELECT count(*) || ',' || sum(v) FROM read_parquet('" + dir.path() +
                             "/db/m/*/*/*/*/*.parquet', union_by_name = true)"),
            "2,4");
  auto records = quarantine.List();
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].rows, 1u);
  EXPECT_EQ((*records)[0].measurement, "m");
  EXPECT_NE((*records)[0].reason.find("failed"), std::string::npos) << (*records)[0].reason;
  EXPECT_EQ((*f)->stats().rows_quarantined, 1u);
  EXPECT_EQ((*f)->stats().pending_parts, 0);
}

TEST(FlusherTest, StopIsBoundedWhateverIsQueued) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 1000000);  // every commit fails: nothing would ever finish
  auto f = Flusher::Start(&storage, {1, 1000000, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < 5; ++i) (*f)->Submit(OneRowJob(i));
  const auto start = std::chrono::steady_clock::now();
  (*f)->Stop(std::chrono::milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ((*f)->stats().rows_dropped, 5u);
}

}  // namespace
}  // namespace arc
