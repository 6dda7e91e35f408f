#include "storage/live_files.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace arc {
namespace {

TEST(LiveFileSetTest, RetiredFilesAreSkippedUntilForgotten) {
  LiveFileSet set;
  set.Retire({"db/m/2024/01/01/00/a.parquet"});
  EXPECT_TRUE(set.IsRetired("db/m/2024/01/01/00/a.parquet"));
  EXPECT_FALSE(set.IsRetired("db/m/2024/01/01/00/b.parquet"));
  EXPECT_TRUE(set.AnyRetiredBelow("db/m/"));
  EXPECT_FALSE(set.AnyRetiredBelow("db/mm/"));
  EXPECT_FALSE(set.AnyRetiredBelow("db/l/"));
  set.Forget({"db/m/2024/01/01/00/a.parquet"});
  EXPECT_FALSE(set.IsRetired("db/m/2024/01/01/00/a.parquet"));
  EXPECT_FALSE(set.AnyRetiredBelow("db/m/"));
}

// A switch waits for the queries pinned before its Retire, not for later ones.
TEST(LiveFileSetTest, WaitDrainedWaitsOnlyForEarlierPins) {
  LiveFileSet set;
  LiveFileSet::Pin before = set.PinNow();
  const uint64_t epoch = set.Retire({"x"});
  LiveFileSet::Pin after = set.PinNow();
  std::atomic<bool> drained{false};
  std::thread waiter([&] {
    set.WaitDrained(epoch);
    drained = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(drained.load()) << "a query that may have listed the input still runs";
  before.Release();
  waiter.join();
  EXPECT_TRUE(drained.load());
  set.WaitDrained(epoch);  // the later pin does not hold it
}

TEST(LiveFileSetTest, MovedPinsReleaseOnce) {
  LiveFileSet set;
  LiveFileSet::Pin a = set.PinNow();
  LiveFileSet::Pin b = std::move(a);
  a.Release();  // moved-from: nothing
  const uint64_t epoch = set.Retire({});
  b = LiveFileSet::Pin();
  set.WaitDrained(epoch);
}

}  // namespace
}  // namespace arc
