#include "common/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace arc {
namespace {

TEST(ExecutorTest, RunsTasksAndRefusesBeyondItsQueue) {
  Executor pool("test", 2, 1);
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> ran{0};
  auto blocked = [&] {
    open.wait();
    ++ran;
  };
  EXPECT_TRUE(pool.TrySubmit(blocked));
  EXPECT_TRUE(pool.TrySubmit(blocked));
  EXPECT_TRUE(pool.TrySubmit(blocked)) << "one may wait";
  while (pool.busy() < 2) std::this_thread::yield();
  EXPECT_FALSE(pool.TrySubmit(blocked)) << "two running, one waiting: full";
  gate.set_value();
  while (ran.load() < 3) std::this_thread::yield();  // the waiting one runs once a thread frees
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(pool.TrySubmit([] {})) << "stopped";
}

// Regression (flaky test): Stop finishes the running tasks and drops the queued ones, so a
// shutdown never waits for work that had not started.
TEST(ExecutorTest, StopDropsWhatHasNotStarted) {
  Executor pool("test", 1, 100000000);  // a queue that never fills: only Stop refuses
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.TrySubmit([&] {
    open.wait();
    ++ran;
  }));
  while (pool.busy() < 1) std::this_thread::yield();
  ASSERT_TRUE(pool.TrySubmit([&] { ran += 100; }));
  std::thread stopper([&] { pool.Stop(); });
  while (pool.TrySubmit([] {})) std::this_thread::yield();  // until Stop has begun
  gate.set_value();
  stopper.join();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace arc
