#include "buffer/admission.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "storage/local_storage.h"
#include "util/test_util.h"

namespace arc {
namespace {

// Storage that refuses every commit until opened: the flush queue stays full.
class GateStorage final : public Storage {
 public:
  explicit GateStorage(const std::string& root) : inner_(DefaultFileSystem(), root) { EXPECT_TRUE(inner_.Open().ok()); }
  std::string NewTempPath() override { return inner_.NewTempPath(); }
  Status Commit(const std::string& t, const std::string& r, uint64_t* b) override {
    if (!open) return Status::IOError("closed");
    return inner_.Commit(t, r, b);
  }
  void Discard(const std::string& t) override { inner_.Discard(t); }
  Result<std::vector<std::string>> List(const std::string& d) override { return inner_.List(d); }
  Status Delete(const std::string& r) override { return inner_.Delete(r); }
  Result<bool> Exists(const std::string& r) override { return inner_.Exists(r); }
  std::string Describe() const override { return "gate"; }
  std::atomic<bool> open{false};

 private:
  LocalStorage inner_;
};

FlushJob OneRow(int i) {
  Batch b;
  b.database = "db";
  b.measurement = "m";
  b.columns[b.AddColumn("v", ColumnType::kInt64, false)].AppendInt(i);
  b.FinishRow(1700000000000000 + i);
  std::vector<Batch> batches;
  batches.push_back(std::move(b));
  FlushJob job;
  job.parts.push_back(MakePart({"db", "m", "s" + std::to_string(i)}, std::move(batches), {}));
  return job;
}

TEST(AdmissionTest, WaitsOffTheCallersThreadAndAdmitsInOrderOnceThereIsRoom) {
  test::TempDir dir;
  GateStorage storage(dir.path());
  auto f = Flusher::Start(&storage, {1, 1, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  (*f)->Submit(OneRow(0));  // the queue is full now
  Admission gate(f->get(), std::chrono::seconds(10), 1 << 20);
  std::vector<int> order;
  std::mutex mu;
  std::promise<void> all;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= 3; ++i) {
    gate.Enter(10, [&, i] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      if (order.size() == 3) all.set_value();
    }, [](Status) { ADD_FAILURE() << "refused"; });
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(100)) << "Enter never blocks";
  EXPECT_EQ(gate.waiting(), 3u);
  storage.open = true;  // the flush goes through, room appears
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  (*f)->Stop(std::chrono::seconds(1));
}

TEST(AdmissionTest, RefusesAfterTheWaitAndWhenTooMuchWaits) {
  test::TempDir dir;
  GateStorage storage(dir.path());
  auto f = Flusher::Start(&storage, {1, 1, ParquetCompression::kZstd});
  ASSERT_TRUE(f.ok());
  (*f)->Submit(OneRow(0));
  Admission gate(f->get(), std::chrono::milliseconds(200), 100);
  std::promise<Status> late, over;
  gate.Enter(80, [] { ADD_FAILURE() << "admitted without room"; }, [&](Status s) { late.set_value(s); });
  gate.Enter(80, [] { ADD_FAILURE() << "admitted"; }, [&](Status s) { over.set_value(s); });
  const Status o = over.get_future().get();
  EXPECT_EQ(o.code(), StatusCode::kUnavailable);
  EXPECT_NE(o.message().find("too many writes are waiting"), std::string::npos) << o.message();
  const Status l = late.get_future().get();
  EXPECT_EQ(l.code(), StatusCode::kUnavailable);
  EXPECT_NE(l.message().find("flush queue is full"), std::string::npos) << l.message();
  (*f)->Stop(std::chrono::seconds(0));
}

}  // namespace
}  // namespace arc
