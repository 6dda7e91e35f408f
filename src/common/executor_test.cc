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
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_FALSE(pool.TrySubmit([] {})) << "stopped";
}

}  // namespace
}  // namespace arc
