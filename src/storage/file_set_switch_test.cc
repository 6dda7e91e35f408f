#include "storage/file_set_switch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "storage/local_storage.h"
#include "util/fault_fs.h"

namespace arc {
namespace {

const std::string kHour = "db/m/2024/01/02/03/";

// The data files of the hour and their contents.
std::map<std::string, std::string> HourFiles(test::FaultFileSystem* fs) {
  std::map<std::string, std::string> out;
  Result<std::vector<DirEntry>> entries = fs->ListDir("/r/" + kHour.substr(0, kHour.size() - 1));
  if (!entries.ok()) return out;
  for (const DirEntry& e : *entries) out[e.name] = *fs->ReadFile("/r/" + kHour + e.name);
  return out;
}

// Writes inputs w1-1-5 ("AAA") and w1-6-9 ("BB"), durably, under a storage at /r.
void WriteInputs(test::FaultFileSystem* fs) {
  ASSERT_TRUE(fs->CreateDirs("/r/" + kHour).ok());
  fs->WriteRaw("/r/" + kHour + "w1-1-5.parquet", "AAA");
  fs->WriteRaw("/r/" + kHour + "w1-6-9.parquet", "BB");
}

// One compaction switch of the two inputs into one output holding "AAABB".
Status RunSwitch(FileSetSwitch* sw, test::FaultFileSystem* fs, std::string* output) {
  const std::string stem = sw->OutputStem("c");
  *output = stem + ".parquet";
  ARC_ASSIGN_OR_RETURN(
      FileSetSwitch::Pending p,
      sw->Begin(SwitchKind::kCompact, {kHour + "w1-1-5.parquet", kHour + "w1-6-9.parquet"},
                {kHour + *output}));
  ARC_ASSIGN_OR_RETURN(auto file, fs->NewWritableFile(p.temp_paths[0], true));
  ARC_RETURN_IF_ERROR(file->Append("AAABB"));  // not synced: Stage must do it
  ARC_RETURN_IF_ERROR(file->Close());
  return sw->Commit(&p, {5});
}

TEST(FileSetSwitchTest, CompletesAndLeavesNoRecord) {
  test::FaultFileSystem fs;
  LocalStorage storage(&fs, "/r");
  ASSERT_TRUE(storage.Open().ok());
  WriteInputs(&fs);
  LiveFileSet live;
  FileSetSwitch sw(&fs, &storage, &live, "/r", 77);
  SwitchRecoveryTotals totals;
  ASSERT_TRUE(sw.Recover(&totals).ok());
  std::string out;
  ASSERT_TRUE(RunSwitch(&sw, &fs, &out).ok());
  EXPECT_EQ(out.rfind("c77-", 0), 0u) << out;
  EXPECT_EQ(HourFiles(&fs), (std::map<std::string, std::string>{{out, "AAABB"}}));
  EXPECT_TRUE(fs.ListDir("/r/.lifecycle")->empty());
  EXPECT_FALSE(live.IsRetired(kHour + "w1-1-5.parquet"));
  fs.Crash();
  EXPECT_EQ(HourFiles(&fs), (std::map<std::string, std::string>{{out, "AAABB"}}))
      << "all of it durable";
}

// The process dies after each mutating step of a switch (every later operation fails, then
// power is lost). After recovery the hour holds the inputs or the output, never both, never
// neither, and no record is left.
TEST(FileSetSwitchTest, ACrashAtAnyStepLeavesInputsOrOutputs) {
  int outcomes_inputs = 0, outcomes_output = 0;
  for (int ops = 0;; ++ops) {
    test::FaultFileSystem fs;
    {
      LocalStorage storage(&fs, "/r");
      ASSERT_TRUE(storage.Open().ok());
      WriteInputs(&fs);
      LiveFileSet live;
      FileSetSwitch sw(&fs, &storage, &live, "/r", 1);
      SwitchRecoveryTotals t;
      ASSERT_TRUE(sw.Recover(&t).ok());
      fs.FreezeAfter(ops);
      std::string out;
      const Status st = RunSwitch(&sw, &fs, &out);
      fs.Unfreeze();
      if (st.ok() && ops > 200) FAIL() << "no fault reached the switch";
      if (st.ok()) {
        EXPECT_GT(ops, 5);
        break;  // every step passed: all crash points were tried
      }
    }
    fs.Crash();
    LocalStorage storage(&fs, "/r");
    ASSERT_TRUE(storage.Open().ok());
    LiveFileSet live;
    FileSetSwitch sw(&fs, &storage, &live, "/r", 2);
    SwitchRecoveryTotals t;
    const Status st = sw.Recover(&t);
    ASSERT_TRUE(st.ok()) << "crash after " << ops << " operations: " << st.ToString();
    const std::map<std::string, std::string> files = HourFiles(&fs);
    const std::map<std::string, std::string> inputs{{"w1-1-5.parquet", "AAA"},
                                                    {"w1-6-9.parquet", "BB"}};
    if (files == inputs) {
      ++outcomes_inputs;
    } else {
      ASSERT_EQ(files.size(), 1u) << "crash after " << ops << " operations: both or neither";
      EXPECT_EQ(files.begin()->second, "AAABB");
      EXPECT_EQ(files.begin()->first.rfind("c1-", 0), 0u);
      ++outcomes_output;
    }
    EXPECT_TRUE(fs.ListDir("/r/.lifecycle")->empty()) << "crash after " << ops << " operations";
  }
  EXPECT_GT(outcomes_inputs, 0);
  EXPECT_GT(outcomes_output, 0) << "no crash fell after the commit point";
}

// A query pinned before the switch keeps its inputs until it is done; one pinned after never
// lists them.
TEST(FileSetSwitchTest, InputsOutliveTheQueriesThatListedThem) {
  test::FaultFileSystem fs;
  LocalStorage storage(&fs, "/r");
  ASSERT_TRUE(storage.Open().ok());
  WriteInputs(&fs);
  LiveFileSet live;
  FileSetSwitch sw(&fs, &storage, &live, "/r", 3);
  LiveFileSet::Pin reader = live.PinNow();
  std::string out;
  std::thread compactor([&] { EXPECT_TRUE(RunSwitch(&sw, &fs, &out).ok()); });
  for (int i = 0; i < 200 && !live.IsRetired(kHour + "w1-1-5.parquet"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(live.IsRetired(kHour + "w1-1-5.parquet")) << "retired while the output is exposed";
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(HourFiles(&fs).size(), 3u) << "the pinned reader's inputs are still there";
  reader.Release();
  compactor.join();
  EXPECT_EQ(HourFiles(&fs).size(), 1u);
}

// Local storage whose Seal fails once (and withdraws, as LocalStorage's does).
class SealFailsOnce final : public Storage {
 public:
  SealFailsOnce(FileSystem* fs, const std::string& root) : inner_(fs, root) {}
  Status Open() { return inner_.Open(); }
  std::string NewTempPath() override { return inner_.NewTempPath(); }
  Status Commit(const std::string& t, const std::string& r, uint64_t* b) override {
    return inner_.Commit(t, r, b);
  }
  Status Stage(std::vector<DataFile>* f) override { return inner_.Stage(f); }
  Status Expose(std::vector<DataFile>* f) override { return inner_.Expose(f); }
  Status Seal(std::vector<DataFile>* f) override {
    if (fail_) {
      fail_ = false;
      return inner_.Withdraw(f, Status::IOError("directory sync failed (simulated)"));
    }
    return inner_.Seal(f);
  }
  void Discard(const std::string& t) override { inner_.Discard(t); }
  Result<std::vector<std::string>> List(const std::string& d) override { return inner_.List(d); }
  Status Delete(const std::string& r) override { return inner_.Delete(r); }
  Result<bool> Exists(const std::string& r) override { return inner_.Exists(r); }
  std::string Describe() const override { return "seal-fails-once"; }

 private:
  LocalStorage inner_;
  bool fail_ = true;
};

// Regression: a Seal failing after the commit withdrew the outputs while the inputs stayed
// retired, so queries saw neither until the retry. The inputs are live again at once, and
// the retry rolls the switch back.
TEST(FileSetSwitchTest, AFailedSealLeavesTheInputsLive) {
  test::FaultFileSystem fs;
  SealFailsOnce storage(&fs, "/r");
  ASSERT_TRUE(storage.Open().ok());
  WriteInputs(&fs);
  LiveFileSet live;
  FileSetSwitch sw(&fs, &storage, &live, "/r", 6);
  std::string out;
  EXPECT_FALSE(RunSwitch(&sw, &fs, &out).ok());
  EXPECT_FALSE(live.IsRetired(kHour + "w1-1-5.parquet"));
  EXPECT_EQ(sw.unfinished(), 1u);
  const std::map<std::string, std::string> inputs{{"w1-1-5.parquet", "AAA"},
                                                  {"w1-6-9.parquet", "BB"}};
  EXPECT_EQ(HourFiles(&fs), inputs);
  EXPECT_TRUE(sw.FinishUnfinished().ok());
  EXPECT_EQ(sw.unfinished(), 0u);
  EXPECT_EQ(HourFiles(&fs), inputs);
  EXPECT_TRUE(fs.ListDir("/r/.lifecycle")->empty());
}

// A record that fails its checksum stops recovery with its name: deciding is the operator's.
TEST(FileSetSwitchTest, ADamagedRecordStopsRecovery) {
  test::FaultFileSystem fs;
  LocalStorage storage(&fs, "/r");
  ASSERT_TRUE(storage.Open().ok());
  ASSERT_TRUE(fs.CreateDirs("/r/.lifecycle").ok());
  fs.WriteRaw("/r/.lifecycle/switch-4.json", "ARCSWITCH 1 12\n{}\n");
  LiveFileSet live;
  FileSetSwitch sw(&fs, &storage, &live, "/r", 5);
  SwitchRecoveryTotals t;
  const Status st = sw.Recover(&t);
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.ToString().find("switch-4.json"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace arc

namespace arc {
namespace {

// Two jobs never switch the same file: Begin refuses a retired input, and the jobs lock
// serves waiters in arrival order (a delete is not starved by a compactor that takes it
// again and again).
TEST(FileSetSwitchTest, NoTwoSwitchesTakeOneInputAndJobsAreServedInOrder) {
  test::FaultFileSystem fs;
  LocalStorage storage(&fs, "/r");
  ASSERT_TRUE(storage.Open().ok());
  WriteInputs(&fs);
  LiveFileSet live;
  FileSetSwitch sw(&fs, &storage, &live, "/r", 5);
  SwitchRecoveryTotals totals;
  ASSERT_TRUE(sw.Recover(&totals).ok());
  live.Retire({kHour + "w1-1-5.parquet"});
  Result<FileSetSwitch::Pending> refused =
      sw.Begin(SwitchKind::kDelete, {kHour + "w1-1-5.parquet"}, {});
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(fs.ListDir("/r/.lifecycle")->empty()) << "no record for a refused switch";
  live.Forget({kHour + "w1-1-5.parquet"});

  std::vector<int> order;
  std::mutex order_mu;
  std::atomic<int> waiting{0};
  std::vector<std::thread> threads;
  {
    const FileSetSwitch::JobsLock held = sw.LockJobs();
    for (int i = 0; i < 3; ++i) {
      // Each waiter queues only after the previous one has taken its ticket.
      while (waiting.load() < i) std::this_thread::yield();
      threads.emplace_back([&, i] {
        ++waiting;
        const FileSetSwitch::JobsLock mine = sw.LockJobs();
        std::lock_guard<std::mutex> lock(order_mu);
        order.push_back(i);
      });
      while (waiting.load() < i + 1) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // it is in LockJobs now
    }
    EXPECT_TRUE(order.empty()) << "nobody runs while the lock is held";
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace arc
