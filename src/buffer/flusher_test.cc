#include "buffer/flusher.h"

#include <gtest/gtest.h>

#include <atomic>

#include "storage/local_storage.h"
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
  std::string Describe() const override { return "flaky"; }
  std::atomic<int> commits_{0};

 private:
  LocalStorage inner_;
  std::atomic<int> failures_;
  std::atomic<int> fail_after_{-1};
};

FlushJob OneRowJob(int seq) {
  FlushJob job;
  job.target.database = "db";
  job.target.measurement = "m";
  job.target.file_stem = "s" + std::to_string(seq);
  Batch b;
  b.database = "db";
  b.measurement = "m";
  int v = b.AddColumn("v", ColumnType::kInt64, false);
  b.columns[v].AppendInt(seq);
  b.FinishRow(1700000000000000 + seq);
  job.rows = 1;
  job.batches.push_back(std::move(b));
  return job;
}

TEST(FlusherTest, FailedFlushIsRetriedUntilItSucceeds) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 2);
  auto db = DuckDatabase::OpenInMemory();
  ASSERT_TRUE(db.ok());
  auto f = Flusher::Start(**db, &storage, {1, 1000, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  (*f)->Submit(OneRowJob(7));
  (*f)->Drain();
  const FlusherStats s = (*f)->stats();
  EXPECT_EQ(s.errors, 2u);
  EXPECT_EQ(s.rows_written, 1u);
  EXPECT_EQ(s.pending_rows, 0);
  EXPECT_EQ(storage.commits_.load(), 3);
  EXPECT_EQ(test::QueryValue("SELECT sum(v) FROM '" + dir.path() + "/db/m/*/*/*/*/*.parquet'"), "7");
  (*f)->Stop(std::chrono::seconds(1));
}

// Regression: when the second hour of a flush failed to publish, the first hour's file stayed
// visible while the job (all its rows) waited in memory for a retry: a query counted it twice.
TEST(FlusherTest, FailedPublishWithdrawsTheHoursItPublished) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 0);
  auto db = DuckDatabase::OpenInMemory();
  auto w = ParquetWriter::Create(**db, &storage, ParquetCompression::kZstd);
  ASSERT_TRUE(w.ok());
  FlushJob job = OneRowJob(1);
  Batch& b = job.batches[0];
  b.columns[0].AppendInt(2);
  b.FinishRow(1700000000000000 + 3600LL * 1000000);  // a second hour
  job.rows = 2;
  auto prepared = (*w)->Prepare(job.target, job.batches);
  ASSERT_TRUE(prepared.ok());
  ASSERT_EQ(prepared->files.size(), 2u);
  storage.FailNextCommitsAfter(1);  // the first hour commits, the second fails
  EXPECT_FALSE((*w)->Publish(std::move(*prepared)).ok());
  EXPECT_TRUE(test::FindFiles(dir.path() + "/db", ".parquet").empty()) << "nothing half-published";
}

TEST(FlusherTest, AdmissionWaitsForRoom) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 1000000);  // storage down: nothing drains
  auto db = DuckDatabase::OpenInMemory();
  auto f = Flusher::Start(**db, &storage, {1, 2, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE((*f)->WaitForRoom(std::chrono::milliseconds(1)));
  (*f)->Submit(OneRowJob(1));
  (*f)->Submit(OneRowJob(2));
  EXPECT_FALSE((*f)->WaitForRoom(std::chrono::milliseconds(50))) << "2 pending rows reach the limit";
  (*f)->Stop(std::chrono::seconds(0));
  EXPECT_EQ((*f)->stats().rows_dropped, 2u) << "loss at shutdown is counted, never silent";
}

TEST(FlusherTest, ManyJobsOnSeveralThreads) {
  test::TempDir dir;
  FlakyStorage storage(dir.path(), 0);
  auto db = DuckDatabase::OpenInMemory();
  auto f = Flusher::Start(**db, &storage, {2, 1000000, ParquetCompression::kSnappy});
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < 40; ++i) (*f)->Submit(OneRowJob(i));
  (*f)->Drain();
  EXPECT_EQ(test::QueryValue("SELECT count(*) || ',' || sum(v) FROM '" + dir.path() +
                             "/db/m/*/*/*/*/*.parquet'"),
            "40,780");
}

}  // namespace
}  // namespace arc
