#include "server/idle_connections.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace arc {
namespace {

using std::chrono::milliseconds;

TEST(IdleConnectionsTest, EvictsTheLongestWaitingOnlyPastTheMinimum) {
  IdleConnections idle;
  std::vector<int> closed;
  const auto a = idle.Add([&] { closed.push_back(1); });
  std::this_thread::sleep_for(milliseconds(20));
  idle.Add([&] { closed.push_back(2); });
  EXPECT_FALSE(idle.EvictOldest(milliseconds(10000))) << "nobody has waited that long";
  EXPECT_TRUE(idle.EvictOldest(milliseconds(10)));
  EXPECT_EQ(closed, std::vector<int>{1});
  idle.Remove(a);  // the evicted connection closing later: ignored
  EXPECT_EQ(idle.size(), 1u);
  EXPECT_TRUE(idle.EvictOldest(milliseconds(0)));
  EXPECT_EQ(closed, (std::vector<int>{1, 2}));
  EXPECT_FALSE(idle.EvictOldest(milliseconds(0))) << "empty";
}

TEST(IdleConnectionsTest, ARemovedConnectionIsNeverClosed) {
  IdleConnections idle;
  bool closed = false;
  const auto id = idle.Add([&] { closed = true; });
  idle.Remove(id);  // its head arrived: it is busy now
  EXPECT_FALSE(idle.EvictOldest(milliseconds(0)));
  EXPECT_FALSE(closed);
  idle.Remove(0);
  idle.Remove(12345);
}

TEST(IdleConnectionsTest, CloseMayRemoveItselfWithoutDeadlock) {
  IdleConnections idle;
  IdleConnections::Id id = 0;
  id = idle.Add([&] { idle.Remove(id); });
  EXPECT_TRUE(idle.EvictOldest(milliseconds(0)));
  EXPECT_EQ(idle.size(), 0u);
}

}  // namespace
}  // namespace arc
